/**
 * The retrieve service as its own process: config (failing fast on every bad variable), telemetry first,
 * the AE registry (an AE file, or ApplicationEntity resources, watched), the index (PostgreSQL, or PGlite under the data directory) and the blob store, NATS for
 * retrieve.completed events, then the gRPC server with health; on SIGTERM: NOT_SERVING, drain, exit.
 */
import { join } from 'node:path';
import { createFsBlobStore, openIndex } from '@dicomesh/archive';
import { type RetrieveConfig, readConfigOrExit, readRetrieveConfig } from '@dicomesh/config';
import { type EventPublisher, natsClientAuthOrExit, ReconnectingPublisher } from '@dicomesh/events';
import { openAeRegistry, registrySettingsOrExit } from '@dicomesh/k8s-registry';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { type DestinationTlsFiles, destinationTlsOrExit } from './destination-tls.js';
import { moveDestinations } from './move-destinations.js';
import { startRetrieveServer } from './server.js';

/** Where storage keeps its blobs and its embedded index under the data directory. */
export const BLOBS_DIRECTORY = 'blobs';

export async function runRetrieve(): Promise<void> {
  const config = readConfigOrExit(readRetrieveConfig, (error) =>
    createLogger('retrieve').error(error.message, { issues: error.issues }),
  );
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({
    serviceName: 'dicomesh-retrieve',
    exporter: config.tracesExporter,
    otelServiceName: config.otelServiceName,
    otelResourceAttributes: config.otelResourceAttributes,
  });
  const logger = createLogger('retrieve');

  const aeSettings = registrySettingsOrExit(config, logger);
  const registry = await openAeRegistry(aeSettings, { logger: createLogger('k8s-registry') });
  if (aeSettings.source === 'file' && aeSettings.aeFile === undefined)
    logger.warn('no DICOMESH_AE_FILE: every C-MOVE destination is unknown (A801)');
  const moveTls = await destinationTlsOrExit(moveTlsFiles(config), logger);
  const natsAuth = natsClientAuthOrExit(config, logger);
  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const sql = await openIndex({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    pooled: config.databasePooled,
    logger,
  });
  const blobStore = await createFsBlobStore(join(config.dataDir, BLOBS_DIRECTORY));
  let publisher: EventPublisher | undefined;
  if (config.natsUrl !== undefined) {
    const reconnecting = new ReconnectingPublisher(config.natsUrl, {
      name: 'dicomesh-retrieve',
      logger,
      ...natsAuth,
    });
    await reconnecting.firstAttempt;
    publisher = reconnecting;
  }
  const server = await startRetrieveServer({
    host: config.grpcHost,
    port: config.grpcPort,
    sql,
    blobStore,
    destinations: moveDestinations(registry, logger),
    destinationTls: moveTls,
    aeTitle: config.aeTitle,
    subOperationTimeoutMs: config.subOperationTimeoutMs,
    ...(publisher === undefined ? {} : { publisher }),
    tracer: telemetry.tracer('@dicomesh/retrieve'),
    subOperationSpans: telemetry.exporting,
    logger,
    shutdownGraceMs: config.shutdownGraceMs,
  });

  onShutdownSignal(logger, async () => {
    await server.close();
    await registry.close();
    await sql.close();
    await publisher?.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}

/** The DICOMESH_MOVE_TLS_* files (all-in-one reads the same). */
export function moveTlsFiles(config: RetrieveConfig): DestinationTlsFiles {
  return { certFile: config.moveTlsCertFile, keyFile: config.moveTlsKeyFile, caFile: config.moveTlsCaFile };
}
