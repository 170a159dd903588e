/**
 * `dicomesh all-in-one` (what `make run` starts): every service in one process, each behind its own gRPC
 * server on loopback, so the same code paths run as in a cluster.
 */
import { readConfigOrExit, readGatewayConfig } from '@dicomesh/config';
import { connectBackends, startGateway, startHealthServer } from '@dicomesh/gateway';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { startVerificationServer } from '@dicomesh/verification';

const LOOPBACK = '127.0.0.1';
const DRAIN_GRACE_MS = 25_000;

export async function runAllInOne(): Promise<void> {
  const config = readConfigOrExit(readGatewayConfig, (error) =>
    createLogger('dicomesh').error(error.message, { issues: error.issues }),
  );
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({ serviceName: 'dicomesh', exporter: config.tracesExporter });
  const logger = createLogger('dicomesh');

  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const verification = await startVerificationServer({
    host: LOOPBACK,
    port: 0,
    tracer: telemetry.tracer('@dicomesh/verification'),
    logger: createLogger('verification'),
  });
  const health = config.grpcPort > 0 ? await startHealthServer(config.dicomHost, config.grpcPort) : undefined;
  const gateway = await startGateway({
    aeTitle: config.aeTitle,
    host: config.dicomHost,
    port: config.dicomPort,
    ...(config.allowedCallingAeTitles ? { allowedCallingAeTitles: config.allowedCallingAeTitles } : {}),
    maxPduLength: config.maxPduLength,
    artimTimeoutMs: config.artimTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxAssociations: config.maxAssociations,
    backends: connectBackends({
      verificationUrl: `${LOOPBACK}:${verification.port}`,
      deadlineMs: config.dimseTimeoutMs,
    }),
    tracer: telemetry.tracer('@dicomesh/gateway'),
    logger: createLogger('gateway'),
  });
  health?.setServing(true);
  logger.info('dicomesh all-in-one ready', { aeTitle: config.aeTitle, port: gateway.port });

  onShutdownSignal(logger, async () => {
    health?.setServing(false);
    await gateway.drain(DRAIN_GRACE_MS);
    await gateway.close();
    await verification.close();
    await health?.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}
