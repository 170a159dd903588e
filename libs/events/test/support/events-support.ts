/** Helpers of the events tests: polling with a deadline, a capturing logger, an in-memory OutboxStore. */
import type { OutboxEvent, OutboxRow, OutboxStore } from '@dicomesh/archive';
import type { LogFields, Logger } from '@dicomesh/telemetry';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  connectJetStream,
  type JetStreamConnection,
  type JetStreamConnectOptions,
  STREAM_NAME,
  Subject,
} from '../../src/index.js';

/** Polls `condition` until it holds, failing with `what` after `timeoutMs`. Never a fixed sleep. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: LogFields;
}

/** A Logger that keeps its lines in memory. */
export function capturingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const make = (base: LogFields): Logger & { lines: LogLine[] } => ({
    module: 'events',
    lines,
    debug: (msg, fields) => lines.push({ level: 'debug', msg, fields: { ...base, ...fields } }),
    info: (msg, fields) => lines.push({ level: 'info', msg, fields: { ...base, ...fields } }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields: { ...base, ...fields } }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields: { ...base, ...fields } }),
    child: (fields) => make({ ...base, ...fields }),
    isDebugEnabled: () => true,
  });
  return make({});
}

/**
 * TEST DOUBLE of our own `OutboxStore` interface (libs/archive): rows in a Map, with failure injection.
 * It is not the archive's implementation; it lets the relay be tested against exact store behaviour.
 */
export class MemoryOutboxStore implements OutboxStore {
  private nextId = 1;
  readonly rows = new Map<number, OutboxRow>();
  readonly published = new Set<number>();
  /** The next `failMarkPublished` calls to markPublished throw (after the publisher's ack: a crash window). */
  failMarkPublished = 0;
  failPending = 0;
  markCalls = 0;
  pendingCalls = 0;

  add(event: OutboxEvent): OutboxRow {
    const row: OutboxRow = { ...event, id: this.nextId++ };
    this.rows.set(row.id, row);
    return row;
  }

  async pending(limit: number): Promise<readonly OutboxRow[]> {
    this.pendingCalls++;
    if (this.failPending > 0) {
      this.failPending--;
      throw new Error('injected: pending() failed');
    }
    return [...this.rows.values()].filter((row) => !this.published.has(row.id)).slice(0, limit);
  }

  async markPublished(ids: readonly number[]): Promise<void> {
    this.markCalls++;
    if (this.failMarkPublished > 0) {
      this.failMarkPublished--;
      throw new Error('injected: markPublished() failed');
    }
    for (const id of ids) this.published.add(id);
  }

  get unpublished(): number {
    return this.rows.size - this.published.size;
  }
}

/** How many messages the DICOMESH stream holds on `subject` (the server's count, not a consumer's). */
export async function streamCount(url: string, subject: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_NAME, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  } finally {
    await nc.close();
  }
}

/** Connects, creates the stream and publishes one event: the whole path a service takes to NATS. */
export async function publishOnce(url: string, options: JetStreamConnectOptions): Promise<void> {
  let connection: JetStreamConnection | undefined;
  try {
    connection = await connectJetStream(url, options);
    await connection.ensureStream();
    const ack = await connection.js.publish(Subject.InstanceStored, '{}');
    if (!(ack.seq > 0)) throw new Error(`no sequence in the PubAck: ${JSON.stringify(ack)}`);
  } finally {
    await connection?.close();
  }
}
