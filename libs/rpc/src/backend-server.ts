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

/** Where a backend listens: a host and port, or a Unix socket instead. */
export interface BackendListenOptions {
  readonly host: string;
  /** 0: any free port (tests). */
  readonly port: number;
  /**
   * Listen on this Unix socket instead of host:port (all-in-one): only processes that may open the file can
   * call, and a call skips the TCP stack. The directory must exist; the socket is made there.
   */
  readonly socketPath?: string;
}

/** The listening options among a service's server options, to hand on to startBackendServer. */
export function listenOptions(options: BackendListenOptions): BackendListenOptions {
  return {
    host: options.host,
    port: options.port,
    ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
  };
}

export interface BackendServerOptions extends BackendListenOptions {
  /** For logs: `storage` logs "storage server listening". */
  readonly name: string;
  /** The health service name of the backend (its generated client's `serviceName`). */
  readonly healthName: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  readonly logger: BackendServerLogger;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

export interface BackendServerHandle {
  /** The bound TCP port; 0 on a Unix socket. */
  readonly port: number;
  /** What a client dials: `host:port`, or `unix:PATH`. */
  readonly target: string;
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
  const socket = options.socketPath === undefined ? undefined : `unix:${options.socketPath}`;
  const bound = await startServer(server, socket ?? bindAddress(options.host, options.port));
  const port = socket === undefined ? bound : 0;
  const target = socket ?? bindAddress(options.host, port);
  health.setStatus(OVERALL_HEALTH, 'SERVING');
  health.setStatus(healthName, 'SERVING');
  logger.info(`${name} server listening`, socket === undefined ? { host: options.host, port } : { socket });

  let closing: Promise<void> | undefined;
  return {
    port,
    target,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        health.closeWatchers();
        await stopServer(server, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
        logger.info(`${name} server stopped`, { target });
      })();
      return closing;
    },
  };
}
