// The verification service process: config, telemetry, server, graceful SIGTERM.
import { ConfigError, type VerificationConfig } from '@dicomesh/config';
import { configureLogging, createLogger, serveMetrics, startTelemetry } from '@dicomesh/telemetry';
import { loadConfig } from './config.js';
import { startVerificationServer } from './server.js';

let config: VerificationConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  createLogger('verification').error(error.message, { issues: error.issues });
  process.exit(2);
}
configureLogging({ level: config.logLevel, debugModules: config.debugModules });
const telemetry = startTelemetry({ serviceName: 'dicomesh-verification', exporter: config.tracesExporter });
const logger = createLogger('verification');

const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
const server = await startVerificationServer({
  host: config.grpcHost,
  port: config.grpcPort,
  tracer: telemetry.tracer('@dicomesh/verification'),
  logger,
  shutdownGraceMs: config.shutdownGraceMs,
});

async function shutdown(signal: string): Promise<void> {
  logger.info('shutting down', { signal });
  await server.close();
  await metrics?.close();
  await telemetry.shutdown();
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).catch((error: unknown) => {
      logger.error('shutdown failed', { error });
      process.exit(1);
    });
  });
}
