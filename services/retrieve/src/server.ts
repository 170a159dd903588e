import {
  type BackendListenOptions,
  type BackendServerHandle,
  listenOptions,
  RetrieveClient,
  RetrieveServiceDefinition,
  startBackendServer,
} from '@dicomesh/rpc';
import { createLogger } from '@dicomesh/telemetry';
import type { RetrieveServiceOptions } from './retrieve-options.js';
import { createRetrieveService } from './retrieve-service.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const RETRIEVE_SERVICE = RetrieveClient.serviceName;

export interface RetrieveServerOptions extends RetrieveServiceOptions, BackendListenOptions {
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` of @dicomesh/rpc (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

/** The running server: its port, its health, and `close()` (NOT_SERVING at once, then drain and stop). */
export type RetrieveServerHandle = BackendServerHandle;

/**
 * Starts the Retrieve gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Retrieve`) only once the port is bound.
 */
export async function startRetrieveServer(options: RetrieveServerOptions): Promise<RetrieveServerHandle> {
  const logger = options.logger ?? createLogger('retrieve');
  return startBackendServer({
    name: 'retrieve',
    healthName: RETRIEVE_SERVICE,
    definition: RetrieveServiceDefinition,
    implementation: createRetrieveService({ ...options, logger }),
    ...listenOptions(options),
    logger,
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs }),
  });
}
