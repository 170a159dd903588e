/**
 * The storage service as its own process: config (failing fast on every bad variable), telemetry first,
 * blob store, index and relay, then the gRPC server with health; on SIGTERM: NOT_SERVING, drain, exit.
 */
import { DuplicatePolicy, readConfigOrExit } from '@dicomesh/config';
import { natsClientAuthOrExit } from '@dicomesh/events';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { loadConfig } from './config.js';
import { startStorageServer } from './server.js';
import { openStorageRuntime } from './storage-runtime.js';

export async function runStorage(): Promise<void> {
  const config = readConfigOrExit(loadConfig, (error) =>
    createLogger('storage').error(error.message, { issues: error.issues }),
  );
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({
    serviceName: 'dicomesh-storage',
    exporter: config.tracesExporter,
    otelServiceName: config.otelServiceName,
    otelResourceAttributes: config.otelResourceAttributes,
  });
  const logger = createLogger('storage');
  const natsAuth = natsClientAuthOrExit(config, logger);

  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const runtime = await openStorageRuntime({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    databasePooled: config.databasePooled,
    natsUrl: config.natsUrl,
    natsAuth,
    logger,
  });
  const server = await startStorageServer({
    host: config.grpcHost,
    port: config.grpcPort,
    blobStore: runtime.blobStore,
    index: runtime.index,
    relay: runtime.relay,
    overwrite: config.duplicates === DuplicatePolicy.Overwrite,
    acceptUnknownSopClasses: config.acceptUnknownSopClasses,
    tracer: telemetry.tracer('@dicomesh/storage'),
    logger,
    shutdownGraceMs: config.shutdownGraceMs,
  });

  onShutdownSignal(logger, async () => {
    await server.close();
    await runtime.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}
