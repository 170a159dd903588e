import type { BlobStore, StorageIndex } from '@dicomesh/archive';
import {
  createServer,
  HealthService,
  OVERALL_HEALTH,
  StorageClient,
  StorageServiceDefinition,
  startServer,
  stopServer,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { createStorageService } from './store-handler.js';
import type { OutboxNotifier } from './store-pipeline.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const STORAGE_SERVICE = StorageClient.serviceName;

export interface StorageServerOptions {
  readonly host: string;
  /** 0: any free port (tests, all-in-one). */
  readonly port: number;
  readonly blobStore: BlobStore;
  readonly index: StorageIndex;
  /** The outbox relay, told after each commit so the event goes out at once. */
  readonly relay?: OutboxNotifier;
  /** DICOMESH_STORE_DUPLICATES=overwrite (default false: a duplicate is answered Success and dropped). */
  readonly overwrite?: boolean;
  readonly acceptUnknownSopClasses?: boolean;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` of @dicomesh/rpc (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

export interface StorageServerHandle {
  readonly port: number;
  readonly health: HealthService;
  /** NOT_SERVING at once, then drains running calls and stops (the blob store and index stay open). */
  close(): Promise<void>;
}

/**
 * Starts the Storage gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Storage`) only once the port is bound.
 */
export async function startStorageServer(options: StorageServerOptions): Promise<StorageServerHandle> {
  const logger = options.logger ?? createLogger('storage');
  const server = createServer(
    options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs },
  );
  const health = new HealthService();
  health.setStatus(OVERALL_HEALTH, 'NOT_SERVING');
  health.setStatus(STORAGE_SERVICE, 'NOT_SERVING');
  health.addTo(server);
  server.addService(
    StorageServiceDefinition,
    createStorageService({
      blobStore: options.blobStore,
      index: options.index,
      logger,
      ...(options.relay === undefined ? {} : { relay: options.relay }),
      ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
      ...(options.acceptUnknownSopClasses === undefined
        ? {}
        : { acceptUnknownSopClasses: options.acceptUnknownSopClasses }),
      ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    }),
  );
  const address = options.host.includes(':')
    ? `[${options.host}]:${options.port}`
    : `${options.host}:${options.port}`;
  const port = await startServer(server, address);
  health.setStatus(OVERALL_HEALTH, 'SERVING');
  health.setStatus(STORAGE_SERVICE, 'SERVING');
  logger.info('storage server listening', { host: options.host, port });

  let closing: Promise<void> | undefined;
  return {
    port,
    health,
    close() {
      closing ??= (async () => {
        health.setAllNotServing();
        health.closeWatchers();
        await stopServer(server, options.shutdownGraceMs ?? 10_000);
        logger.info('storage server stopped', { port });
      })();
      return closing;
    },
  };
}
