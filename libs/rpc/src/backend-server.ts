/**
 * The gRPC server of one dicomesh backend (verification, storage, query, retrieve): its service beside
 * grpc.health.v1, health SERVING only once the port is bound, and a close that turns NOT_SERVING at once,
 * then lets running calls finish within a grace period.
 */
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthService, OVERALL_HEALTH } from './health-service.js';
import { createServer, startServer, stopServer } from './server.js';

/** What a backend server logs: its start and stop (a structured logger of @dicomesh/telemetry fits). */
export interface BackendServerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
}

export interface BackendServerOptions {
  /** For logs: `storage` logs "storage server listening". */
  readonly name: string;
  /** The health service name of the backend (its generated client's `serviceName`). */
  readonly healthName: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  readonly host: string;
  /** 0: any free port (tests, all-in-one). */
  readonly port: number;
  readonly logger: BackendServerLogger;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

export interface BackendServerHandle {
  readonly port: number;
  readonly health: HealthService;
  /** NOT_SERVING at once, then drains running calls and stops. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** `host:port`, bracketing an IPv6 host. */
export function bindAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startBackendServer(options: BackendServerOptions): Promise<BackendServerHandle> {
  const { logger, name, healthName } = options;
  const server = createServer(
    options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs },
  );
  const health = new HealthService();
  health.setStatus(OVERALL_HEALTH, 'NOT_SERVING');
  health.setStatus(healthName, 'NOT_SERVING');
  health.addTo(server);
  server.addService(options.definition, options.implementation);
  const port = await startServer(server, bindAddress(options.host, options.port));
  health.setStatus(OVERALL_HEALTH, 'SERVING');
  health.setStatus(healthName, 'SERVING');
  logger.info(`${name} server listening`, { host: options.host, port });

  let closing: Promise<void> | undefined;
  return {
    port,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        health.closeWatchers();
        await stopServer(server, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
        logger.info(`${name} server stopped`, { port });
      })();
      return closing;
    },
  };
}
