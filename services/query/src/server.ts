import type { SqlClient } from '@dicomesh/archive';
import { DEFAULT_MAX_MATCHES } from '@dicomesh/config';
import {
  type BackendListenOptions,
  type BackendServerHandle,
  listenOptions,
  QueryClient,
  QueryServiceDefinition,
  startBackendServer,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { createQueryService } from './find-handler.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const QUERY_SERVICE = QueryClient.serviceName;

export interface QueryServerOptions extends BackendListenOptions {
  /** The index, read only (all-in-one passes the storage runtime's: PGlite has one connection per directory). */
  readonly sql: SqlClient;
  /** Default DEFAULT_MAX_MATCHES; 0: no cap. */
  readonly maxMatches?: number;
  /** Default true. */
  readonly personNameCaseInsensitive?: boolean;
  readonly retrieveAeTitle?: string | undefined;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` of @dicomesh/rpc (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

/** The running server: its port, its health, and `close()` (NOT_SERVING at once, then drain and stop). */
export type QueryServerHandle = BackendServerHandle;

/**
 * Starts the Query gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Query`) only once the port is bound.
 */
export async function startQueryServer(options: QueryServerOptions): Promise<QueryServerHandle> {
  const logger = options.logger ?? createLogger('query');
  return startBackendServer({
    name: 'query',
    healthName: QUERY_SERVICE,
    definition: QueryServiceDefinition,
    implementation: createQueryService({
      sql: options.sql,
      maxMatches: options.maxMatches ?? DEFAULT_MAX_MATCHES,
      personNameCaseInsensitive: options.personNameCaseInsensitive ?? true,
      retrieveAeTitle: options.retrieveAeTitle,
      logger,
      ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    }),
    ...listenOptions(options),
    logger,
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs }),
  });
}
