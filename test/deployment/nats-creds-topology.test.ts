/**
 * The services topology with nats-server in operator mode (NATS's decentralized authentication): with
 * DICOMESH_NATS_CREDS_FILE, the gateway's association events and storage's instance.stored events reach it
 * (the outbox empties); a consumer without the .creds file is refused.
 */
import { durableConsumer, Subject } from '@dicomesh/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingOutboxRows } from '../support/archive-state.ts';
import { pollUntil } from '../support/poll.ts';
import { receiveUntil } from '../support/received-events.ts';
import { connectGateway, smallObject, storeGenerated } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const OBJECTS = 5;
const EVENTS_DEADLINE_MS = 20_000;

let topology: Topology;

beforeAll(async () => {
  topology = await startTopology({ natsOperator: true });
});

afterAll(async () => {
  await topology?.stop();
});

describe('the services topology with NATS in operator mode', () => {
  it("publishes every instance.stored event with the services' .creds file", async () => {
    const { nats, postgres, natsCredsFile } = topology;
    await expect(
      durableConsumer(nats.url, { durable: 'creds-test-refused', filterSubject: Subject.InstanceStored }),
    ).rejects.toThrow(/Authorization Violation/i);

    const client = await connectGateway(topology.dicomPort);
    const objects = Array.from({ length: OBJECTS }, () => smallObject());
    try {
      for (const object of objects) expect((await storeGenerated(client, object)).status).toBe(0);
    } finally {
      await client.association.release();
    }

    const consumer = await durableConsumer(nats.url, {
      durable: 'creds-test-instance-stored',
      filterSubject: Subject.InstanceStored,
      credsFile: natsCredsFile,
    });
    const received = await receiveUntil(
      consumer,
      `${OBJECTS} instance.stored events`,
      (events) => events.length >= OBJECTS,
      { timeoutMs: EVENTS_DEADLINE_MS },
    );
    expect(new Set(received.map((e) => e.payload.sopInstanceUid))).toEqual(
      new Set(objects.map((o) => o.sopInstanceUid)),
    );
    await pollUntil(
      'an empty outbox',
      async () => ((await pendingOutboxRows(postgres.url)) === 0 ? true : undefined),
      EVENTS_DEADLINE_MS,
    );
  });
});
