import type { SqlClient } from '@dicomesh/archive';
import { DEFAULT_MAX_MATCHES } from '@dicomesh/config';
import {
  createServer,
  HealthService,
  OVERALL_HEALTH,
  QueryClient,
  QueryServiceDefinition,
  startServer,
  stopServer,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { createQueryService } from './find-handler.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const QUERY_SERVICE = QueryClient.serviceName;

export interface QueryServerOptions {
  readonly host: string;
  /** 0: any free port (tests, all-in-one). */
  readonly port: number;
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

export interface QueryServerHandle {
  readonly port: number;
  readonly health: HealthService;
  /** NOT_SERVING at once, then drains running calls and stops (the index stays open). */
  close(): Promise<void>;
}

/**
 * Starts the Query gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Query`) only once the port is bound.
 */
export async function startQueryServer(options: QueryServerOptions): Promise<QueryServerHandle> {
  const logger = options.logger ?? createLogger('query');
  const server = createServer(
    options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs },
  );
  const health = new HealthService();
  health.setStatus(OVERALL_HEALTH, 'NOT_SERVING');
  health.setStatus(QUERY_SERVICE, 'NOT_SERVING');
  health.addTo(server);
  server.addService(
    QueryServiceDefinition,
    createQueryService({
      sql: options.sql,
      maxMatches: options.maxMatches ?? DEFAULT_MAX_MATCHES,
      personNameCaseInsensitive: options.personNameCaseInsensitive ?? true,
      retrieveAeTitle: options.retrieveAeTitle,
      logger,
      ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    }),
  );
  const address = options.host.includes(':')
    ? `[${options.host}]:${options.port}`
    : `${options.host}:${options.port}`;
  const port = await startServer(server, address);
  health.setStatus(OVERALL_HEALTH, 'SERVING');
  health.setStatus(QUERY_SERVICE, 'SERVING');
  logger.info('query server listening', { host: options.host, port });

  let closing: Promise<void> | undefined;
  return {
    port,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        health.closeWatchers();
        await stopServer(server, options.shutdownGraceMs ?? 10_000);
        logger.info('query server stopped', { port });
      })();
      return closing;
    },
  };
}
