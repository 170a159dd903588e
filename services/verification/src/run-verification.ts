/**
 * The verification service as its own process: config (failing fast on every bad variable), telemetry
 * first, the gRPC server with health, and on SIGTERM: NOT_SERVING, drain, exit.
 */
import { readConfigOrExit } from '@dicomesh/config';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { loadConfig } from './config.js';
import { startVerificationServer } from './server.js';

export async function runVerification(): Promise<void> {
  const config = readConfigOrExit(loadConfig, (error) =>
    createLogger('verification').error(error.message, { issues: error.issues }),
  );
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({
    serviceName: 'dicomesh-verification',
    exporter: config.tracesExporter,
    otelServiceName: config.otelServiceName,
    otelResourceAttributes: config.otelResourceAttributes,
  });
  const logger = createLogger('verification');

  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const server = await startVerificationServer({
    host: config.grpcHost,
    port: config.grpcPort,
    tracer: telemetry.tracer('@dicomesh/verification'),
    logger,
    shutdownGraceMs: config.shutdownGraceMs,
  });

  onShutdownSignal(logger, async () => {
    await server.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}
