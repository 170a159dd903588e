/** A durable JetStream pull consumer on the DICOMESH stream, read as an async iterator of events. */
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstreamManager,
} from '@nats-io/jetstream';
import { STREAM_NAME } from './events-api.js';
import { JetStreamSetupError } from './events-errors.js';
import { connectJetStream } from './jetstream-connection.js';
import { clientAuthOf, type NatsClientAuth } from './nats-client-auth.js';

export interface ReceivedEvent {
  readonly subject: string;
  /** `Nats-Msg-Id` of the message, when it had one. */
  readonly msgId: string | undefined;
  /** The JSON payload; `{}` when it was not a JSON object (see `payloadError`). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Why the payload could not be read as a JSON object, if it could not. */
  readonly payloadError?: Error;
  /** Headers, first value of each (`traceparent` among them). */
  readonly headers: Readonly<Record<string, string>>;
  /** Stream sequence of the message. */
  readonly seq: number;
  /** How many times it was delivered (more than 1 after an unacknowledged delivery). */
  readonly deliveryCount: number;
  /** Acknowledge: the consumer will not deliver it again. */
  ack(): void;
  /** Ask for redelivery (after `delayMs`). */
  nak(delayMs?: number): void;
}

/** What the consumer receives, and how its connection authenticates (a `.creds` file, a client certificate). */
export interface DurableConsumerOptions extends NatsClientAuth {
  /** Durable name: survives restarts, shared by replicas of a service (each event to one of them). */
  readonly durable: string;
  /** One subject filter (nats-server 2.9 allows one per consumer), e.g. `dicomesh.v1.instance.stored`. */
  readonly filterSubject: string;
  /** Connection name (default `dicomesh-consumer-<durable>`). */
  readonly name?: string;
  /** Deadline of the first connection (default 5 s). */
  readonly connectTimeoutMs?: number;
  /** Unacknowledged messages are redelivered after this long (default 30 s). */
  readonly ackWaitMs?: number;
}

export interface DurableConsumer extends AsyncIterable<ReceivedEvent> {
  /** Stops delivery and closes the connection; the iterator ends. */
  close(): Promise<void>;
}

const decoder = new TextDecoder();

export async function durableConsumer(
  url: string,
  options: DurableConsumerOptions,
): Promise<DurableConsumer> {
  const connection = await connectJetStream(url, {
    name: options.name ?? `dicomesh-consumer-${options.durable}`,
    connectTimeoutMs: options.connectTimeoutMs,
    ...clientAuthOf(options),
  });
  let messages: ConsumerMessages;
  try {
    await connection.ensureStream();
    const manager = await jetstreamManager(connection.nc);
    const config = {
      durable_name: options.durable,
      filter_subject: options.filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (options.ackWaitMs ?? 30_000) * 1_000_000,
    };
    const existing = await manager.consumers.info(STREAM_NAME, options.durable).catch(() => undefined);
    if (existing === undefined) await manager.consumers.add(STREAM_NAME, config);
    else if (existing.config.filter_subject !== options.filterSubject) {
      await manager.consumers.update(STREAM_NAME, options.durable, {
        filter_subject: options.filterSubject,
        ack_wait: config.ack_wait,
      });
    }
    const consumer = await connection.js.consumers.get(STREAM_NAME, options.durable);
    messages = await consumer.consume();
  } catch (error) {
    await connection.close();
    if (error instanceof JetStreamSetupError) throw error;
    throw new JetStreamSetupError(`consumer ${options.durable}: ${String(error)}`, STREAM_NAME, {
      cause: error,
    });
  }
  return {
    async *[Symbol.asyncIterator]() {
      for await (const m of messages) yield toReceivedEvent(m);
    },
    close: async () => {
      await messages.close().catch(() => undefined);
      await connection.close();
    },
  };
}

function toReceivedEvent(m: JsMsg): ReceivedEvent {
  const headers: Record<string, string> = {};
  if (m.headers !== undefined) {
    for (const [key, values] of m.headers) {
      const first = values[0];
      if (first !== undefined) headers[key] = first;
    }
  }
  let payload: Record<string, unknown> = {};
  let payloadError: Error | undefined;
  try {
    const parsed: unknown = JSON.parse(decoder.decode(m.data));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      payload = parsed as Record<string, unknown>;
    } else payloadError = new Error(`payload of ${m.subject} (seq ${m.seq}) is not a JSON object`);
  } catch (error) {
    payloadError = new Error(`payload of ${m.subject} (seq ${m.seq}) is not JSON`, { cause: error });
  }
  return {
    subject: m.subject,
    msgId: headers['Nats-Msg-Id'],
    payload,
    ...(payloadError === undefined ? {} : { payloadError }),
    headers,
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    ack: () => m.ack(),
    nak: (delayMs?: number) => m.nak(delayMs),
  };
}
