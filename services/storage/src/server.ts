import type { BlobStore, StorageIndex } from '@dicomesh/archive';
import {
  type BackendListenOptions,
  type BackendServerHandle,
  listenOptions,
  StorageClient,
  StorageServiceDefinition,
  startBackendServer,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { createStorageService } from './store-handler.js';
import type { OutboxNotifier } from './store-pipeline.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const STORAGE_SERVICE = StorageClient.serviceName;

export interface StorageServerOptions extends BackendListenOptions {
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

/** The running server: its port, its health, and `close()` (NOT_SERVING at once, then drain and stop). */
export type StorageServerHandle = BackendServerHandle;

/**
 * Starts the Storage gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Storage`) only once the port is bound.
 */
export async function startStorageServer(options: StorageServerOptions): Promise<StorageServerHandle> {
  const logger = options.logger ?? createLogger('storage');
  return startBackendServer({
    name: 'storage',
    healthName: STORAGE_SERVICE,
    definition: StorageServiceDefinition,
    implementation: createStorageService({
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
    ...listenOptions(options),
    logger,
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs }),
  });
}
