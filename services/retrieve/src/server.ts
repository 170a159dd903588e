import {
  createServer,
  HealthService,
  OVERALL_HEALTH,
  RetrieveClient,
  RetrieveServiceDefinition,
  startServer,
  stopServer,
} from '@dicomesh/rpc';
import { createLogger } from '@dicomesh/telemetry';
import type { RetrieveServiceOptions } from './retrieve-options.js';
import { createRetrieveService } from './retrieve-service.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const RETRIEVE_SERVICE = RetrieveClient.serviceName;

export interface RetrieveServerOptions extends RetrieveServiceOptions {
  readonly host: string;
  /** 0: any free port (tests, all-in-one). */
  readonly port: number;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` of @dicomesh/rpc (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

export interface RetrieveServerHandle {
  readonly port: number;
  readonly health: HealthService;
  /** NOT_SERVING at once, then drains running calls and stops (index and blob store stay open). */
  close(): Promise<void>;
}

/**
 * Starts the Retrieve gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Retrieve`) only once the port is bound.
 */
export async function startRetrieveServer(options: RetrieveServerOptions): Promise<RetrieveServerHandle> {
  const logger = options.logger ?? createLogger('retrieve');
  const server = createServer(
    options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs },
  );
  const health = new HealthService();
  health.setStatus(OVERALL_HEALTH, 'NOT_SERVING');
  health.setStatus(RETRIEVE_SERVICE, 'NOT_SERVING');
  health.addTo(server);
  server.addService(RetrieveServiceDefinition, createRetrieveService({ ...options, logger }));
  const address = options.host.includes(':')
    ? `[${options.host}]:${options.port}`
    : `${options.host}:${options.port}`;
  const port = await startServer(server, address);
  health.setStatus(OVERALL_HEALTH, 'SERVING');
  health.setStatus(RETRIEVE_SERVICE, 'SERVING');
  logger.info('retrieve server listening', { host: options.host, port });

  let closing: Promise<void> | undefined;
  return {
    port,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        health.closeWatchers();
        await stopServer(server, options.shutdownGraceMs ?? 10_000);
        logger.info('retrieve server stopped', { port });
      })();
      return closing;
    },
  };
}
