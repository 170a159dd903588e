/** The NATS connection of a service and the DICOMESH stream. */
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { STREAM_NAME, STREAM_SUBJECTS } from './events-api.js';
import { JetStreamSetupError } from './events-errors.js';
import { type NatsClientAuth, natsAuthOptions } from './nats-client-auth.js';
import { natsServers } from './nats-servers.js';
import { DUPLICATE_WINDOW_MS } from './stream-settings.js';

/** Pause between reconnect attempts (reconnects never stop). */
export const RECONNECT_WAIT_MS = 250;

/** The connection's name and deadline, and how it authenticates (a `.creds` file, a client certificate). */
export interface JetStreamConnectOptions extends NatsClientAuth {
  /** Connection name shown by the server (`dicomesh-storage`). */
  readonly name: string;
  /** Deadline of the first connection (default 5 s). Later disconnections reconnect forever. */
  readonly connectTimeoutMs?: number;
}

export interface JetStreamConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  /** Creates stream DICOMESH (subjects `dicomesh.v1.>`, file storage, 2 min duplicate window) or updates it. */
  ensureStream(): Promise<void>;
  /** Drains and closes the connection. */
  close(): Promise<void>;
}

/** The stream's configuration (also what `ensureStream` updates an existing stream to). */
export const streamConfig: Partial<StreamConfig> & { name: string } = {
  name: STREAM_NAME,
  subjects: [STREAM_SUBJECTS],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000, // nanoseconds
};

/**
 * Connects to NATS; the connection reconnects forever every ~250 ms once established. `url`: servers, each
 * a URL or a comma-separated list, credentials written in them (nats-servers.ts).
 */
export async function connectJetStream(
  url: string | readonly string[],
  options: JetStreamConnectOptions,
): Promise<JetStreamConnection> {
  const nc = await connect({
    ...natsServers(url),
    ...natsAuthOptions(options),
    name: options.name,
    maxReconnectAttempts: -1,
    // nats.js closes a connection for good after two authentication errors in a row (a server restarted with
    // other accounts, credentials being rotated); an archive keeps trying until they are right again.
    ignoreAuthErrorAbort: true,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    reconnectJitter: 50,
    timeout: options.connectTimeoutMs ?? 5_000,
  });
  const js = jetstream(nc);
  let manager: JetStreamManager | undefined;
  return {
    nc,
    js,
    ensureStream: async () => {
      try {
        manager ??= await jetstreamManager(nc);
        await ensureStreamWith(manager);
      } catch (error) {
        if (error instanceof JetStreamSetupError) throw error;
        throw new JetStreamSetupError(`cannot create or update: ${String(error)}`, STREAM_NAME, {
          cause: error,
        });
      }
    },
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

async function ensureStreamWith(manager: JetStreamManager): Promise<void> {
  const existing = await manager.streams.info(STREAM_NAME).catch((error: unknown) => {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  });
  if (existing === undefined) {
    await manager.streams.add(streamConfig);
    return;
  }
  await manager.streams.update(STREAM_NAME, { ...existing.config, ...streamConfig });
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}
