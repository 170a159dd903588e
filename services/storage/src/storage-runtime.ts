/**
 * What the storage service stands on, opened in order: the blob store under the data directory, the index
 * (PostgreSQL when a URL is set, else PGlite under the data directory) with its migrations, the event
 * publisher (JetStream when a NATS URL is set, else the caller's in-process bus), and the outbox relay.
 */
import { join } from 'node:path';
import {
  type ArchiveIndex,
  type BlobStore,
  createArchiveIndex,
  createFsBlobStore,
  openIndex,
  type SqlClient,
} from '@dicomesh/archive';
import {
  type EventPublisher,
  type NatsClientAuth,
  OutboxRelay,
  ReconnectingPublisher,
} from '@dicomesh/events';
import type { Logger } from '@dicomesh/telemetry';

/** Blobs live in `<dataDir>/blobs`, the embedded index in `<dataDir>/index`. */
export const BLOBS_DIRECTORY = 'blobs';
/** Longest an index statement may run before the store fails with A700. */
const INDEX_STATEMENT_TIMEOUT_MS = 10_000;
/**
 * How long the relay gathers the commits of a burst before it reads, publishes and marks them as one batch.
 * A round costs two index statements and a JetStream round trip whatever its size; at the 5 ms default a
 * single association's C-STOREs (one every 5-10 ms) were a round each. 50 ms delays an event by at most that
 * and made 2000 small objects cost 0.65 ms less CPU each (PostgreSQL -0.33, storage -0.28, NATS -0.07).
 */
const STORED_EVENTS_COALESCE_MS = 50;

export interface StorageRuntimeOptions {
  readonly dataDir: string;
  /** PostgreSQL; unset: PGlite in `<dataDir>/index`. */
  readonly databaseUrl?: string | undefined;
  /** The URL is a connection pooler's (PgBouncer...). */
  readonly databasePooled?: boolean;
  /** NATS for JetStream; unset: `localPublisher` receives the events. */
  readonly natsUrl?: string | undefined;
  /** How the NATS connection authenticates (a `.creds` file, a client certificate). */
  readonly natsAuth?: NatsClientAuth;
  /** The in-process bus of all-in-one, used when there is no NATS URL. */
  readonly localPublisher?: EventPublisher;
  readonly logger: Logger;
}

export interface StorageRuntime {
  readonly blobStore: BlobStore;
  readonly index: ArchiveIndex;
  /** The index connection (on PGlite, the only one: all-in-one's query service reads through it too). */
  readonly sql: SqlClient;
  readonly relay: OutboxRelay;
  /** Stops the relay, closes the publisher it owns and the index. */
  close(): Promise<void>;
}

/** Publishes nowhere: events stay in the outbox table until a publisher exists (a bare `dicomesh storage`). */
const OUTBOX_ONLY: EventPublisher = {
  publish: () => Promise.reject(new Error('no event publisher configured (set DICOMESH_NATS_URL)')),
  close: () => Promise.resolve(),
};

export async function openStorageRuntime(options: StorageRuntimeOptions): Promise<StorageRuntime> {
  const { logger } = options;
  const blobStore = await createFsBlobStore(join(options.dataDir, BLOBS_DIRECTORY));
  const removed = await blobStore.cleanTemporary();
  if (removed > 0) logger.info('removed temporary files of interrupted stores', { removed });

  const sql = await openIndex({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    pooled: options.databasePooled ?? false,
    logger,
    // A hung database must fail a C-STORE well within the gateway's bound, not after pg's 30 s default.
    statementTimeoutMs: INDEX_STATEMENT_TIMEOUT_MS,
  });
  const index = createArchiveIndex(sql);

  let publisher: EventPublisher;
  let ownsPublisher = false;
  if (options.natsUrl !== undefined) {
    // Storage starts while NATS is down: events wait in the outbox until the publisher connects.
    const reconnecting = new ReconnectingPublisher(options.natsUrl, {
      name: 'dicomesh-storage',
      logger,
      ...options.natsAuth,
    });
    await reconnecting.firstAttempt;
    publisher = reconnecting;
    ownsPublisher = true;
  } else {
    publisher = options.localPublisher ?? OUTBOX_ONLY;
    if (options.localPublisher === undefined) {
      logger.warn('no DICOMESH_NATS_URL: instance.stored events stay in the outbox until one is set');
    }
  }
  const relay = new OutboxRelay({ store: index, publisher, logger, coalesceMs: STORED_EVENTS_COALESCE_MS });
  relay.start();

  return {
    blobStore,
    index,
    sql,
    relay,
    async close() {
      await relay.stop();
      if (ownsPublisher) await publisher.close();
      await sql.close();
    },
  };
}
