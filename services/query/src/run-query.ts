/**
 * The query service as its own process: config (failing fast on every bad variable), telemetry first,
 * the index (PostgreSQL, or PGlite under the data directory), then the gRPC server with health; on
 * SIGTERM: NOT_SERVING, drain, exit.
 */
import { openIndex } from '@dicomesh/archive';
import { readConfigOrExit, readQueryConfig } from '@dicomesh/config';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { startQueryServer } from './server.js';

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
  const sql = await openIndex({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    pooled: config.databasePooled,
    logger,
  });
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
