import { InMemorySpanExporter, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import {
  connectJetStream,
  DUPLICATE_WINDOW_MS,
  durableConsumer,
  EventPublishError,
  type JetStreamConnection,
  JetStreamPublisher,
  type ReceivedEvent,
  STREAM_NAME,
  STREAM_SUBJECTS,
  Subject,
} from '../src/index.js';
import { streamCount, waitFor } from './support/events-support.js';

let nats: NatsServer;
let telemetry: Telemetry;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  nats = await startNats();
  telemetry = startTelemetry({ serviceName: 'events-test', exporter });
});

afterAll(async () => {
  await telemetry?.shutdown();
  await nats?.dispose();
});

async function take(iterable: AsyncIterable<ReceivedEvent>, n: number): Promise<ReceivedEvent[]> {
  const out: ReceivedEvent[] = [];
  if (n === 0) return out;
  for await (const event of iterable) {
    out.push(event);
    event.ack();
    if (out.length === n) break;
  }
  return out;
}

describe('connectJetStream', () => {
  it('creates stream DICOMESH (dicomesh.v1.>, file storage, 2 min duplicate window) and updates it idempotently', async () => {
    const connection = await connectJetStream(nats.url, { name: 'events-test-stream' });
    try {
      await connection.ensureStream();
      await connection.ensureStream();
      const jsm = await jetstreamManager(connection.nc);
      const info = await jsm.streams.info(STREAM_NAME);
      expect(info.config.subjects).toEqual([STREAM_SUBJECTS]);
      expect(info.config.storage).toBe(StorageType.File);
      expect(info.config.duplicate_window).toBe(DUPLICATE_WINDOW_MS * 1_000_000);
    } finally {
      await connection.close();
    }
  });

  it('updates a stream created with other settings', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.update(STREAM_NAME, { duplicate_window: 5_000_000_000 });
      expect((await jsm.streams.info(STREAM_NAME)).config.duplicate_window).toBe(5_000_000_000);
      const connection = await connectJetStream(nats.url, { name: 'events-test-update' });
      await connection.ensureStream();
      await connection.close();
      expect((await jsm.streams.info(STREAM_NAME)).config.duplicate_window).toBe(
        DUPLICATE_WINDOW_MS * 1_000_000,
      );
    } finally {
      await nc.close();
    }
  });
});

describe('JetStreamPublisher and durableConsumer', () => {
  let connection: JetStreamConnection;
  let publisher: JetStreamPublisher;

  beforeAll(async () => {
    connection = await connectJetStream(nats.url, { name: 'events-test-publisher' });
    await connection.ensureStream();
    publisher = new JetStreamPublisher(connection, { timeoutMs: 500 });
  });

  afterAll(async () => {
    await publisher?.close();
  });

  it('publishes JSON with Nats-Msg-Id, extra headers and the traceparent of the active span', async () => {
    const subject = 'dicomesh.v1.test.traced';
    const consumer = await durableConsumer(nats.url, { durable: 'test-traced', filterSubject: subject });
    let traceparent = '';
    await telemetry.tracer().startActiveSpan('store', async (span) => {
      const { traceId, spanId } = span.spanContext();
      traceparent = `00-${traceId}-${spanId}-01`;
      await publisher.publish(
        subject,
        { sopInstanceUid: '1.2.3', size: 42 },
        { msgId: 'm-traced', headers: { 'x-test': 'yes' } },
      );
      span.end();
    });
    const [event] = await take(consumer, 1);
    await consumer.close();
    expect(event?.subject).toBe(subject);
    expect(event?.msgId).toBe('m-traced');
    expect(event?.payload).toEqual({ sopInstanceUid: '1.2.3', size: 42 });
    expect(event?.headers['x-test']).toBe('yes');
    expect(event?.headers.traceparent).toBe(traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('an explicit traceparent (an outbox row, committed under another span) wins over the active span', async () => {
    const subject = 'dicomesh.v1.test.explicit-trace';
    const stored = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const consumer = await durableConsumer(nats.url, { durable: 'test-explicit', filterSubject: subject });
    await telemetry.tracer().startActiveSpan('relay', async (span) => {
      await publisher.publish(subject, { n: 1 }, { msgId: 'm-explicit', headers: { traceparent: stored } });
      span.end();
    });
    const [event] = await take(consumer, 1);
    await consumer.close();
    expect(event?.headers.traceparent).toBe(stored);
  });

  it('stores the same msgId once (JetStream de-duplication)', async () => {
    const subject = Subject.InstanceStored;
    await publisher.publish(subject, { n: 1 }, { msgId: 'dup-1' });
    await publisher.publish(subject, { n: 2 }, { msgId: 'dup-1' });
    await publisher.publish(subject, { n: 3 }, { msgId: 'dup-2' });
    expect(await streamCount(nats.url, subject)).toBe(2);
    const consumer = await durableConsumer(nats.url, { durable: 'test-dedup', filterSubject: subject });
    const events = await take(consumer, 2);
    await consumer.close();
    expect(events.map((e) => [e.msgId, e.payload.n])).toEqual([
      ['dup-1', 1],
      ['dup-2', 3],
    ]);
  });

  it('a durable consumer resumes after the last acknowledged event when reopened', async () => {
    const subject = 'dicomesh.v1.test.resume';
    for (let i = 0; i < 3; i++) await publisher.publish(subject, { i }, { msgId: `resume-${i}` });
    const first = await durableConsumer(nats.url, { durable: 'test-resume', filterSubject: subject });
    expect((await take(first, 2)).map((e) => e.payload.i)).toEqual([0, 1]);
    await first.close();
    const second = await durableConsumer(nats.url, { durable: 'test-resume', filterSubject: subject });
    expect((await take(second, 1)).map((e) => e.payload.i)).toEqual([2]);
    await second.close();
  });

  it('rejects within its timeout while NATS is down, and publishes again once it is back', async () => {
    const subject = 'dicomesh.v1.test.down';
    await nats.stop();
    try {
      const started = Date.now();
      const error = await publisher.publish(subject, { n: 1 }, { msgId: 'down-1' }).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(EventPublishError);
      expect((error as EventPublishError).subject).toBe(subject);
      expect((error as EventPublishError).msgId).toBe('down-1');
      expect(elapsed).toBeLessThan(500 + 1_000);
    } finally {
      await nats.start();
    }
    // The connection reconnects by itself (every ~250 ms): poll until a publish is acknowledged.
    await waitFor('a publish acknowledged after NATS restarted', () =>
      publisher.publish(subject, { n: 2 }, { msgId: 'down-2' }).then(
        () => true,
        () => false,
      ),
    );
    expect(await streamCount(nats.url, subject)).toBeGreaterThanOrEqual(1);
  });

  it('rejects at once when its connection is closed', async () => {
    const own = await connectJetStream(nats.url, { name: 'events-test-closed' });
    const closed = new JetStreamPublisher(own);
    await closed.close();
    const started = Date.now();
    await expect(closed.publish('dicomesh.v1.test.closed', {})).rejects.toBeInstanceOf(EventPublishError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
