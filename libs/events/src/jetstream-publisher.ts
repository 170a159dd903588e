/** EventPublisher over JetStream: resolves on the PubAck, rejects within a bounded time otherwise. */
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { EventPublisher, PublishOptions } from './events-api.js';
import { EventPublishError } from './events-errors.js';
import type { JetStreamConnection } from './jetstream-connection.js';
import { withTraceHeaders } from './trace-headers.js';

/** Default bound on one publish: NATS unreachable means a rejection after this long, never a hang. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 2_000;

export interface JetStreamPublisherOptions {
  /** Milliseconds to wait for the PubAck (default 2000). */
  readonly timeoutMs?: number;
  /** Close the connection with the publisher (default true). */
  readonly ownsConnection?: boolean;
}

const encoder = new TextEncoder();

export class JetStreamPublisher implements EventPublisher {
  private readonly js: JetStreamClient;
  private readonly timeoutMs: number;

  constructor(
    private readonly connection: JetStreamConnection,
    private readonly options: JetStreamPublisherOptions = {},
  ) {
    this.js = connection.js;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  }

  async publish(
    subject: string,
    payload: Readonly<Record<string, unknown>>,
    options: PublishOptions = {},
  ): Promise<void> {
    const hdrs = natsHeaders();
    for (const [key, value] of Object.entries(withTraceHeaders(options.headers))) hdrs.set(key, value);
    const data = encoder.encode(JSON.stringify(payload));
    // nats.js bounds the PubAck wait with `timeout`; the outer timer also bounds a connection that is closing
    // or a client that never settles, so a caller (the outbox relay) can always retry.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EventPublishError(`no PubAck within ${this.timeoutMs} ms`, subject, options.msgId)),
        this.timeoutMs + 250,
      );
    });
    try {
      const ack = await Promise.race([
        this.js.publish(subject, data, {
          headers: hdrs,
          timeout: this.timeoutMs,
          ...(options.msgId === undefined ? {} : { msgID: options.msgId }),
        }),
        deadline,
      ]);
      if (ack.stream === '') throw new EventPublishError('PubAck without a stream', subject, options.msgId);
    } catch (error) {
      if (error instanceof EventPublishError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new EventPublishError(reason, subject, options.msgId, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsConnection ?? true) await this.connection.close();
  }
}
