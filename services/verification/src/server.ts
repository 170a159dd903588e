import {
  createServer,
  HealthService,
  OVERALL_HEALTH,
  startServer,
  stopServer,
  VerificationClient,
  VerificationServiceDefinition,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { createVerificationService } from './verification-service.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const VERIFICATION_SERVICE = VerificationClient.serviceName;

export interface VerificationServerOptions {
  readonly host: string;
  /** 0: any free port (tests, all-in-one). */
  readonly port: number;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` of @dicomesh/rpc (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

export interface VerificationServerHandle {
  readonly port: number;
  readonly health: HealthService;
  /** NOT_SERVING at once, then drains running calls and stops. */
  close(): Promise<void>;
}

/**
 * Starts the Verification gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Verification`) only once the port is bound.
 */
export async function startVerificationServer(
  options: VerificationServerOptions,
): Promise<VerificationServerHandle> {
  const logger = options.logger ?? createLogger('verification');
  const server = createServer(
    options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs },
  );
  const health = new HealthService();
  health.setStatus(OVERALL_HEALTH, 'NOT_SERVING');
  health.setStatus(VERIFICATION_SERVICE, 'NOT_SERVING');
  health.addTo(server);
  server.addService(
    VerificationServiceDefinition,
    createVerificationService({
      logger,
      ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    }),
  );
  const address = options.host.includes(':')
    ? `[${options.host}]:${options.port}`
    : `${options.host}:${options.port}`;
  const port = await startServer(server, address);
  health.setStatus(OVERALL_HEALTH, 'SERVING');
  health.setStatus(VERIFICATION_SERVICE, 'SERVING');
  logger.info('verification server listening', { host: options.host, port });

  let closing: Promise<void> | undefined;
  return {
    port,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        health.closeWatchers();
        await stopServer(server, options.shutdownGraceMs ?? 10_000);
        logger.info('verification server stopped', { port });
      })();
      return closing;
    },
  };
}
