/**
 * A JetStream publisher that a service can create while NATS is down: it connects (and creates the stream) in
 * the background, retrying with a capped backoff, and until then `publish` rejects with EventPublishError, which
 * the outbox relay treats like any NATS outage (the events wait in the outbox). Once connected, nats.js
 * reconnects by itself; should it give the connection up all the same (closed by the server, or by nats.js),
 * the publisher starts connecting again from the beginning.
 */
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { EventPublisher, PublishOptions } from './events-api.js';
import { EventPublishError } from './events-errors.js';
import { connectJetStream, type JetStreamConnection } from './jetstream-connection.js';
import { JetStreamPublisher } from './jetstream-publisher.js';
import { clientAuthOf, type NatsClientAuth, natsAuthOptions } from './nats-client-auth.js';
import { natsServers } from './nats-servers.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** The connection's name and how it authenticates (DICOMESH_NATS_CREDS_FILE or _NKEY_FILE, DICOMESH_NATS_TLS_*). */
export interface ReconnectingPublisherOptions extends NatsClientAuth {
  /** Connection name shown by the server (`dicomesh-storage`). */
  readonly name: string;
  readonly logger?: Logger;
}

export class ReconnectingPublisher implements EventPublisher {
  private publisher: JetStreamPublisher | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  /** Settles when the first connection attempt (success or failure) is done; for callers that want to wait. */
  readonly firstAttempt: Promise<void>;

  constructor(
    private readonly url: string | readonly string[],
    private readonly options: ReconnectingPublisherOptions,
  ) {
    this.logger = options.logger ?? createLogger('events');
    // Settings that can never connect fail the service's start, not every retry.
    natsServers(url);
    natsAuthOptions(options);
    this.firstAttempt = this.attempt(FIRST_RETRY_MS);
  }

  get connected(): boolean {
    return this.publisher !== undefined;
  }

  publish(
    subject: string,
    payload: Readonly<Record<string, unknown>>,
    options: PublishOptions = {},
  ): Promise<void> {
    if (this.publisher === undefined) {
      return Promise.reject(new EventPublishError('not connected to NATS yet', subject, options.msgId));
    }
    return this.publisher.publish(subject, payload, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.publisher?.close();
  }

  /** A connection closed under the publisher, not by close(): connect again. */
  private onClosed(publisher: JetStreamPublisher, error: Error | undefined): void {
    if (this.closed || this.publisher !== publisher) return;
    this.publisher = undefined;
    this.logger.error('NATS connection closed; connecting again', {
      name: this.options.name,
      error: error === undefined ? 'closed' : String(error),
    });
    void this.attempt(FIRST_RETRY_MS);
  }

  private async attempt(delayMs: number): Promise<void> {
    let connection: JetStreamConnection | undefined;
    try {
      connection = await connectJetStream(this.url, {
        name: this.options.name,
        ...clientAuthOf(this.options),
      });
      await connection.ensureStream();
      if (this.closed) {
        await connection.close();
        return;
      }
      const publisher = new JetStreamPublisher(connection);
      this.publisher = publisher;
      this.logger.info('connected to NATS JetStream', { name: this.options.name });
      void connection.nc.closed().then((error) => this.onClosed(publisher, error || undefined));
    } catch (error) {
      await connection?.close().catch(() => undefined);
      if (this.closed) return;
      this.logger.warn('NATS not reachable, retrying', { error: String(error), retryInMs: delayMs });
      this.retryTimer = setTimeout(() => {
        void this.attempt(Math.min(delayMs * 2, MAX_RETRY_MS));
      }, delayMs);
      this.retryTimer.unref();
    }
  }
}
