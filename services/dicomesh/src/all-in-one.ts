/**
 * `dicomesh all-in-one` (what `make run` starts): every service in one process, each behind its own gRPC
 * server on a Unix socket of its own (backend-sockets.ts), so the same code paths run as in a cluster.
 */
import { createPgClient, type SqlClient } from '@dicomesh/archive';
import {
  DuplicatePolicy,
  readConfigOrExit,
  readGatewayConfig,
  readQueryConfig,
  readRetrieveConfig,
  readStorageConfig,
} from '@dicomesh/config';
import {
  associationEventPublisher,
  type EventPublisher,
  InProcessBus,
  natsClientAuthOrExit,
  ReconnectingPublisher,
} from '@dicomesh/events';
import {
  connectBackends,
  openGatewayAccess,
  startGateway,
  startHealthServer,
  tlsListenerConfig,
} from '@dicomesh/gateway';
import { startQueryServer } from '@dicomesh/query';
import {
  destinationTlsOrExit,
  moveDestinations,
  moveTlsFiles,
  startRetrieveServer,
} from '@dicomesh/retrieve';
import { openStorageRuntime, type StorageRuntime, startStorageServer } from '@dicomesh/storage';
import {
  configureLogging,
  createLogger,
  onShutdownSignal,
  serveMetrics,
  startTelemetry,
} from '@dicomesh/telemetry';
import { startVerificationServer } from '@dicomesh/verification';
import { openBackendSockets } from './backend-sockets.js';

const LOOPBACK = '127.0.0.1';
const DRAIN_GRACE_MS = 25_000;

/**
 * The index connection the query service reads: its own pool on PostgreSQL; on the embedded PGlite, the
 * storage runtime's (one PGlite per directory), when the runtime exposes it as `sql`.
 */
function queryIndex(
  runtime: StorageRuntime,
  databaseUrl: string | undefined,
  pooled: boolean,
): SqlClient | undefined {
  if (databaseUrl !== undefined) return createPgClient(databaseUrl, { pooled });
  return runtime.sql;
}

export async function runAllInOne(): Promise<void> {
  const reportInvalid = (error: { message: string; issues: unknown }) =>
    createLogger('dicomesh').error(error.message, { issues: error.issues });
  const config = readConfigOrExit(readGatewayConfig, reportInvalid);
  const storageConfig = readConfigOrExit(readStorageConfig, reportInvalid);
  const queryConfig = readConfigOrExit(readQueryConfig, reportInvalid);
  const retrieveConfig = readConfigOrExit(readRetrieveConfig, reportInvalid);
  configureLogging({ level: config.logLevel, debugModules: config.debugModules });
  const telemetry = startTelemetry({
    serviceName: 'dicomesh',
    exporter: config.tracesExporter,
    otelServiceName: config.otelServiceName,
    otelResourceAttributes: config.otelResourceAttributes,
  });
  const logger = createLogger('dicomesh');
  // One AE registry, as in a cluster: calling-AE permissions for the gateway, move destinations for retrieve.
  const { registry, callingAes } = await openGatewayAccess(config, logger);
  const tls = tlsListenerConfig(config);
  const moveTls = await destinationTlsOrExit(moveTlsFiles(retrieveConfig), createLogger('retrieve'));
  // The gateway's and storage's NATS variables are the same ones.
  const natsAuth = natsClientAuthOrExit(storageConfig, logger);

  const metrics = config.metricsPort > 0 ? await serveMetrics(config.metricsPort) : undefined;
  const sockets = await openBackendSockets(logger);
  const verification = await startVerificationServer({
    host: LOOPBACK,
    port: 0,
    ...sockets.listen('verification'),
    tracer: telemetry.tracer('@dicomesh/verification'),
    logger: createLogger('verification'),
  });
  const bus = new InProcessBus({ logger: createLogger('events') });
  const storageRuntime = await openStorageRuntime({
    dataDir: storageConfig.dataDir,
    databaseUrl: storageConfig.databaseUrl,
    databasePooled: storageConfig.databasePooled,
    natsUrl: storageConfig.natsUrl,
    natsAuth,
    localPublisher: bus,
    logger: createLogger('storage'),
  });
  const storage = await startStorageServer({
    host: LOOPBACK,
    port: 0,
    ...sockets.listen('storage'),
    blobStore: storageRuntime.blobStore,
    index: storageRuntime.index,
    relay: storageRuntime.relay,
    overwrite: storageConfig.duplicates === DuplicatePolicy.Overwrite,
    acceptUnknownSopClasses: storageConfig.acceptUnknownSopClasses,
    tracer: telemetry.tracer('@dicomesh/storage'),
    logger: createLogger('storage'),
  });
  const querySql = queryIndex(storageRuntime, storageConfig.databaseUrl, storageConfig.databasePooled);
  if (querySql === undefined) logger.warn('no index connection for the query service: C-FIND is not served');
  const query =
    querySql === undefined
      ? undefined
      : await startQueryServer({
          host: LOOPBACK,
          port: 0,
          ...sockets.listen('query'),
          sql: querySql,
          maxMatches: queryConfig.maxMatches,
          personNameCaseInsensitive: queryConfig.personNameCaseInsensitive,
          retrieveAeTitle: queryConfig.retrieveAeTitle ?? config.aeTitle,
          tracer: telemetry.tracer('@dicomesh/query'),
          logger: createLogger('query'),
        });
  // Retrieve reads the same index connection as query, and the storage runtime's blob store.
  const retrieve =
    querySql === undefined
      ? undefined
      : await startRetrieveServer({
          host: LOOPBACK,
          port: 0,
          ...sockets.listen('retrieve'),
          sql: querySql,
          blobStore: storageRuntime.blobStore,
          destinations: moveDestinations(registry, createLogger('retrieve')),
          destinationTls: moveTls,
          aeTitle: config.aeTitle,
          subOperationTimeoutMs: retrieveConfig.subOperationTimeoutMs,
          publisher: bus,
          tracer: telemetry.tracer('@dicomesh/retrieve'),
          subOperationSpans: telemetry.exporting,
          logger: createLogger('retrieve'),
        });
  const gatewayPublisher: EventPublisher =
    config.natsUrl === undefined
      ? bus
      : new ReconnectingPublisher(config.natsUrl, {
          name: 'dicomesh-gateway',
          logger,
          ...natsAuth,
        });
  const health = config.grpcPort > 0 ? await startHealthServer(config.dicomHost, config.grpcPort) : undefined;
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
      verificationUrl: verification.target,
      storageUrl: storage.target,
      ...(query === undefined ? {} : { queryUrl: query.target }),
      ...(retrieve === undefined ? {} : { retrieveUrl: retrieve.target }),
      deadlineMs: config.dimseTimeoutMs,
    }),
    tracer: telemetry.tracer('@dicomesh/gateway'),
    logger: createLogger('gateway'),
    events: associationEventPublisher(gatewayPublisher, { logger: createLogger('events') }),
    ...(tls === undefined ? {} : { tls }),
  });
  health?.setServing(true);
  logger.info('dicomesh all-in-one ready', { aeTitle: config.aeTitle, port: gateway.port });

  onShutdownSignal(logger, async () => {
    health?.setServing(false);
    await gateway.drain(DRAIN_GRACE_MS);
    await gateway.close();
    await verification.close();
    await storage.close();
    await query?.close();
    await retrieve?.close();
    callingAes.close();
    await registry.close();
    if (storageConfig.databaseUrl !== undefined) await querySql?.close();
    await storageRuntime.close();
    if (gatewayPublisher !== bus) await gatewayPublisher.close();
    await bus.close();
    await health?.close();
    await metrics?.close();
    await telemetry.shutdown();
  });
}
