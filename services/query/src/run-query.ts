/**
 * The query service as its own process: config (failing fast on every bad variable), telemetry first,
 * the index (PostgreSQL, or PGlite under the data directory), then the gRPC server with health; on
 * SIGTERM: NOT_SERVING, drain, exit.
 */
import { join } from 'node:path';
import {
  createPgClient,
  createPgliteClient,
  loggedThreadEvents,
  migrate,
  type SqlClient,
} from '@dicomesh/archive';
import { readConfigOrExit, readQueryConfig } from '@dicomesh/config';
import {
  configureLogging,
  createLogger,
  type Logger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { startQueryServer } from './server.js';

/** The embedded index lives in `<dataDir>/index`, as storage's does. */
export const EMBEDDED_INDEX_DIRECTORY = 'index';

/** Opens the index and brings its schema up to date (so the service may start before storage). */
export async function openQueryIndex(
  dataDir: string,
  databaseUrl: string | undefined,
  logger: Logger,
): Promise<SqlClient> {
  const sql =
    databaseUrl === undefined
      ? await createPgliteClient(join(dataDir, EMBEDDED_INDEX_DIRECTORY), loggedThreadEvents(logger))
      : createPgClient(databaseUrl, {
          onIdleError: (error) => logger.warn('index connection lost', { error: error.message }),
        });
  const applied = await migrate(sql);
  if (applied.length > 0) logger.info('index migrated', { versions: applied });
  return sql;
}

export async function runQuery(): Promise<void> {
  const config = readConfigOrExit(readQueryConfig, (error) =>
    createLogger('query').error(error.message, { issues: error.issues }),
  );
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({
    serviceName: 'dicomesh-query',
    exporter: config.tracesExporter,
    otelServiceName: config.otelServiceName,
    otelResourceAttributes: config.otelResourceAttributes,
  });
  const logger = createLogger('query');

  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const sql = await openQueryIndex(config.dataDir, config.databaseUrl, logger);
  const server = await startQueryServer({
    host: config.grpcHost,
    port: config.grpcPort,
    sql,
    maxMatches: config.maxMatches,
    personNameCaseInsensitive: config.personNameCaseInsensitive,
    retrieveAeTitle: config.retrieveAeTitle,
    tracer: telemetry.tracer('@dicomesh/query'),
    logger,
    shutdownGraceMs: config.shutdownGraceMs,
  });

  onShutdownSignal(logger, async () => {
    await server.close();
    await sql.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}
