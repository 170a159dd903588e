/**
 * NATS's decentralized authentication: a nats-server in operator mode (an operator, a system account and an
 * account with JetStream, preloaded) admits a service only with a `.creds` file of one of the account's users.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNatsOperatorFiles } from '../../../test/support/nats-operator.js';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import { connectJetStream, type JetStreamConnection, ReconnectingPublisher, Subject } from '../src/index.js';

let dir: string;
let nats: NatsServer;
let credsFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-nats-creds-'));
  const files = await writeNatsOperatorFiles(dir);
  credsFile = files.credsFile;
  nats = await startNats({ args: ['-c', files.configFile] });
});

afterAll(async () => {
  await nats?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('a NATS .creds file', () => {
  it('is refused without it; connects, creates the stream and publishes with it', async () => {
    await expect(
      connectJetStream(nats.url, { name: 'events-test-creds', connectTimeoutMs: 2_000 }),
    ).rejects.toThrow(/Authorization Violation/i);
    let connection: JetStreamConnection | undefined;
    try {
      connection = await connectJetStream(nats.url, { name: 'events-test-creds', credsFile });
      await connection.ensureStream();
      const ack = await connection.js.publish(Subject.InstanceStored, '{}');
      expect(ack.seq).toBeGreaterThan(0);
    } finally {
      await connection?.close();
    }
  });

  it('a publisher with a creds file that is not there fails at once, not at every retry', () => {
    expect(
      () =>
        new ReconnectingPublisher(nats.url, {
          name: 'events-test-creds',
          credsFile: join(dir, 'missing.creds'),
        }),
    ).toThrow(/ENOENT/);
  });
});
