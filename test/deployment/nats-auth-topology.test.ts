/**
 * The services topology with a nats-server that admits only authenticated clients, in operator mode (NATS's
 * decentralized authentication: DICOMESH_NATS_CREDS_FILE), by a user's NKey (DICOMESH_NATS_NKEY_FILE) or over TLS verifying client certificates
 * (DICOMESH_NATS_TLS_*): storage's instance.stored events reach it (the outbox empties); a consumer without the
 * services' credentials is refused.
 */
import { durableConsumer, Subject } from '@dicomesh/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingOutboxRows } from '../support/archive-state.ts';
import type { NatsAuthMode } from '../support/nats-auth-setup.ts';
import { pollUntil } from '../support/poll.ts';
import { receiveUntil } from '../support/received-events.ts';
import { connectGateway, smallObject, storeGenerated } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const OBJECTS = 5;
const EVENTS_DEADLINE_MS = 20_000;
/** A refused consumer's deadline: a server that ends the TLS handshake shows as a timeout in nats.js. */
const REFUSED_DEADLINE_MS = 2_000;

/** How each mode refuses a consumer without credentials. */
const REFUSALS: Record<NatsAuthMode, RegExp> = {
  operator: /Authorization Violation/i,
  nkey: /Authorization Violation/i,
  'client-certificates': /timeout/i,
};

describe.each(Object.keys(REFUSALS) as NatsAuthMode[])(
  'the services topology with NATS admitting by %s',
  (mode) => {
    let topology: Topology;

    beforeAll(async () => {
      topology = await startTopology({ natsAuth: mode });
    });

    afterAll(async () => {
      await topology?.stop();
    });

    it("publishes every instance.stored event with the services' credentials", async () => {
      const { nats, postgres, natsClientAuth } = topology;
      // Trusting the server as the services do, but presenting nothing.
      const trustOnly =
        natsClientAuth.tls === undefined ? {} : { tls: { caFile: natsClientAuth.tls.caFile } };
      await expect(
        durableConsumer(nats.url, {
          durable: 'auth-test-refused',
          filterSubject: Subject.InstanceStored,
          connectTimeoutMs: REFUSED_DEADLINE_MS,
          ...trustOnly,
        }),
      ).rejects.toThrow(REFUSALS[mode]);

      const client = await connectGateway(topology.dicomPort);
      const objects = Array.from({ length: OBJECTS }, () => smallObject());
      try {
        for (const object of objects) expect((await storeGenerated(client, object)).status).toBe(0);
      } finally {
        await client.association.release();
      }

      const consumer = await durableConsumer(nats.url, {
        durable: 'auth-test-instance-stored',
        filterSubject: Subject.InstanceStored,
        ...natsClientAuth,
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
  },
);
