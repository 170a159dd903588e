/**
 * Fault: NATS stops in the middle of 100 C-STOREs. Every store must still succeed (events wait in the
 * outbox, committed with the index row); once NATS is back, a durable consumer of
 * `dicomesh.v1.instance.stored` sees exactly one event per stored instance and the outbox drains.
 */
import { durableConsumer, Subject } from '@dicomesh/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceCount, pendingOutboxRows } from '../support/archive-state.ts';
import { pollUntil } from '../support/poll.ts';
import { receiveUntil } from '../support/received-events.ts';
import { connectGateway, type GeneratedObject, smallObject, storeGenerated } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const TOTAL = 100;
/** Stores sent before NATS is stopped; the rest go while it is down. */
const BEFORE_OUTAGE = 30;
const EVENTS_DEADLINE_MS = 30_000;
/** After the last expected event, how long to watch for an extra one (a duplicate). */
const SETTLE_MS = 2_000;

let topology: Topology;

beforeAll(async () => {
  topology = await startTopology({ env: { DICOMESH_DIMSE_TIMEOUT: '3s' } });
});

afterAll(async () => {
  await topology?.stop();
});

async function storeAll(objects: readonly GeneratedObject[]): Promise<number[]> {
  const client = await connectGateway(topology.dicomPort);
  const statuses: number[] = [];
  try {
    for (const object of objects) statuses.push((await storeGenerated(client, object)).status);
  } finally {
    await client.association.release();
  }
  return statuses;
}

describe('NATS stopped during 100 C-STOREs', () => {
  it('every store succeeds, and after NATS returns each instance has exactly one event and the outbox is empty', async () => {
    const { nats, postgres } = topology;
    const study = smallObject();
    const objects = Array.from({ length: TOTAL }, () =>
      smallObject({ studyInstanceUid: study.studyInstanceUid, seriesInstanceUid: study.seriesInstanceUid }),
    );

    const statuses = await storeAll(objects.slice(0, BEFORE_OUTAGE));
    await nats.stop();
    // A new association while NATS is down too (the gateway publishes association events).
    statuses.push(...(await storeAll(objects.slice(BEFORE_OUTAGE))));
    expect(statuses).toEqual(Array(TOTAL).fill(0));
    expect(await instanceCount(postgres.url)).toBe(TOTAL);
    // The events of the stores made while NATS was down are waiting in the outbox.
    expect(await pendingOutboxRows(postgres.url)).toBeGreaterThanOrEqual(TOTAL - BEFORE_OUTAGE);

    await nats.start();
    const consumer = await durableConsumer(nats.url, {
      durable: 'fault-test-instance-stored',
      filterSubject: Subject.InstanceStored,
    });
    // A settle window after them (the one timed wait here): a duplicate event would arrive in it.
    const received = await receiveUntil(
      consumer,
      `${TOTAL} instance.stored events`,
      (events) => new Set(events.map((e) => e.payload.sopInstanceUid)).size >= TOTAL,
      { timeoutMs: EVENTS_DEADLINE_MS, settleMs: SETTLE_MS },
    );

    const uids = received.map((e) => e.payload.sopInstanceUid);
    expect(received).toHaveLength(TOTAL);
    expect(new Set(uids)).toEqual(new Set(objects.map((o) => o.sopInstanceUid)));
    expect(new Set(received.map((e) => e.msgId)).size).toBe(TOTAL);
    expect(received.every((e) => e.subject === Subject.InstanceStored)).toBe(true);
    await pollUntil(
      'an empty outbox',
      async () => ((await pendingOutboxRows(postgres.url)) === 0 ? true : undefined),
      EVENTS_DEADLINE_MS,
    );
  });
});
