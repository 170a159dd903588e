/**
 * The gateway as its own process: config (failing fast on every bad variable), telemetry first, the
 * DICOM listener and its health, and on SIGTERM: NOT_SERVING, drain, exit.
 */
import { readConfigOrExit, readGatewayConfig } from '@dicomesh/config';
import { associationEventPublisher, natsClientAuthOrExit, ReconnectingPublisher } from '@dicomesh/events';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { connectBackends } from './backends.js';
import { startGateway } from './gateway.js';
import { openGatewayAccess } from './gateway-access.js';
import { startHealthServer } from './health-server.js';
import { tlsListenerConfig } from './tls-listener-config.js';

export async function runGateway(): Promise<void> {
  const config = readConfigOrExit(readGatewayConfig, (error) =>
    createLogger('gateway').error(error.message, { issues: error.issues }),
  );
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({
    serviceName: 'dicomesh-gateway',
    exporter: config.tracesExporter,
    otelServiceName: config.otelServiceName,
    otelResourceAttributes: config.otelResourceAttributes,
  });
  const logger = createLogger('gateway');
  const { registry, callingAes } = await openGatewayAccess(config, logger);

  const tls = tlsListenerConfig(config);
  const natsAuth = natsClientAuthOrExit(config, logger);
  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const health = await startHealthServer(config.dicomHost, config.grpcPort);
  // Association events are best effort: the gateway serves while NATS is down, and connects when it is back.
  const publisher =
    config.natsUrl === undefined
      ? undefined
      : new ReconnectingPublisher(config.natsUrl, {
          name: 'dicomesh-gateway',
          logger,
          ...natsAuth,
        });
  const gateway = await startGateway({
    aeTitle: config.aeTitle,
    host: config.dicomHost,
    port: config.dicomPort,
    allowedCallingAeTitles: callingAes.allowedCallingAeTitles,
    permissions: callingAes.allows,
    maxPduLength: config.maxPduLength,
    artimTimeoutMs: config.artimTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxAssociations: config.maxAssociations,
    acceptUnknownSopClasses: config.acceptUnknownSopClasses,
    backends: connectBackends({
      verificationUrl: config.verificationUrl,
      storageUrl: config.storageUrl,
      queryUrl: config.queryUrl,
      retrieveUrl: config.retrieveUrl,
      deadlineMs: config.dimseTimeoutMs,
    }),
    tracer: telemetry.tracer('@dicomesh/gateway'),
    logger,
    ...(publisher === undefined ? {} : { events: associationEventPublisher(publisher, { logger }) }),
    ...(tls === undefined ? {} : { tls }),
  });
  health.setServing(true);

  onShutdownSignal(logger, async () => {
    health.setServing(false);
    await gateway.drain(config.shutdownGraceMs);
    await gateway.close();
    callingAes.close();
    await registry.close();
    await publisher?.close();
    await health.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}
