/**
 * The outbox relay against a real nats-server (JetStream): a burst of notified commits goes out as one
 * batch (one read, one markPublished); rows are marked published only after JetStream acknowledged them;
 * a failed markPublished re-publishes with the same msgIds (JetStream keeps one copy); NATS down delays
 * events, never loses them.
 */
import { MetricsRegistry } from '@dicomesh/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import { connectJetStream, type JetStreamConnection, JetStreamPublisher, OutboxRelay } from '../src/index.js';
import { capturingLogger, MemoryOutboxStore, streamCount, waitFor } from './support/events-support.js';

/** Longer than any test: a relay that publishes did so because it was notified, not because it polled. */
const NEVER_POLL_MS = 600_000;

let nats: NatsServer;
let connection: JetStreamConnection;
let publisher: JetStreamPublisher;

beforeAll(async () => {
  nats = await startNats();
  connection = await connectJetStream(nats.url, { name: 'outbox-relay-test' });
  await connection.ensureStream();
  publisher = new JetStreamPublisher(connection, { timeoutMs: 500 });
});

afterAll(async () => {
  await publisher?.close();
  await nats?.dispose();
});

let subjects = 0;
/** A subject of its own per test, so stream counts do not mix. */
function freshSubject(): string {
  subjects++;
  return `dicomesh.v1.test.relay${subjects}`;
}

function addRows(store: MemoryOutboxStore, subject: string, n: number, prefix: string): void {
  for (let i = 0; i < n; i++) {
    store.add({ subject, msgId: `${prefix}-${i}`, payload: { i }, headers: {} });
  }
}

function relayFor(store: MemoryOutboxStore, options: { coalesceMs?: number; minBackoffMs?: number } = {}) {
  return new OutboxRelay({
    store,
    publisher,
    idleIntervalMs: NEVER_POLL_MS,
    logger: capturingLogger(),
    metrics: new MetricsRegistry(),
    ...options,
  });
}

describe('outbox relay', () => {
  it('publishes a burst of notified commits as one batch: one read, one markPublished', async () => {
    const store = new MemoryOutboxStore();
    const subject = freshSubject();
    // Far longer than the burst takes, so the test does not depend on the machine's speed.
    const relay = relayFor(store, { coalesceMs: 1_000 });
    relay.start();
    try {
      // Let the first round (nothing pending) finish, so the relay sleeps idle.
      await waitFor('the relay to go idle', () => store.pendingCalls >= 1);
      const readsBefore = store.pendingCalls;
      // A burst: 40 commits, each followed by its notification, each in its own turn of the event loop.
      for (let i = 0; i < 40; i++) {
        addRows(store, subject, 1, `burst-${i}`);
        relay.notify();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitFor('the burst published', () => store.unpublished === 0);
      expect(store.markCalls).toBe(1);
      expect(store.pendingCalls - readsBefore).toBe(1);
      expect(await streamCount(nats.url, subject)).toBe(40);
      expect(relay.currentStats.published).toBe(40);
    } finally {
      await relay.stop();
    }
  });

  it('with coalesceMs 0 a notification is published at once, and later notifications keep working', async () => {
    const store = new MemoryOutboxStore();
    const subject = freshSubject();
    const relay = relayFor(store, { coalesceMs: 0 });
    relay.start();
    try {
      for (let round = 0; round < 3; round++) {
        addRows(store, subject, 2, `zero-${round}`);
        relay.notify();
        await waitFor(`round ${round} published`, () => store.unpublished === 0);
      }
      expect(await streamCount(nats.url, subject)).toBe(6);
    } finally {
      await relay.stop();
    }
  });

  it('a markPublished that fails after the ack re-publishes the rows with the same msgIds: one copy each', async () => {
    const store = new MemoryOutboxStore();
    const subject = freshSubject();
    store.failMarkPublished = 1;
    const relay = relayFor(store, { minBackoffMs: 10 });
    relay.start();
    try {
      addRows(store, subject, 5, 'mark-fails');
      relay.notify();
      await waitFor('the rows marked published after the retry', () => store.unpublished === 0);
      expect(store.markCalls).toBeGreaterThanOrEqual(2);
      expect(relay.currentStats.failedRounds).toBeGreaterThanOrEqual(1);
      expect(await streamCount(nats.url, subject)).toBe(5);
    } finally {
      await relay.stop();
    }
  });

  it('while NATS is down the rows stay pending (never marked), and all go out once it is back', async () => {
    const store = new MemoryOutboxStore();
    const subject = freshSubject();
    const relay = relayFor(store, { minBackoffMs: 50 });
    relay.start();
    try {
      await nats.stop();
      try {
        addRows(store, subject, 3, 'down');
        relay.notify();
        await waitFor('a failed round', () => relay.currentStats.failedRounds >= 1);
        expect(store.unpublished).toBe(3);
        expect(store.markCalls).toBe(0);
      } finally {
        await nats.start();
      }
      await waitFor('the rows published after NATS came back', () => store.unpublished === 0, 30_000);
      expect(await streamCount(nats.url, subject)).toBe(3);
    } finally {
      await relay.stop();
    }
  });

  it('refuses a negative coalesceMs', () => {
    expect(() => relayFor(new MemoryOutboxStore(), { coalesceMs: -1 })).toThrow(RangeError);
  });
});
