/**
 * NATS's decentralized authentication: a nats-server in operator mode (an operator, a system account and an
 * account with JetStream, preloaded) admits a service only with a `.creds` file of one of the account's users.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsOperatorFiles, writeNatsOperatorFiles } from '../../../test/support/nats-operator.js';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import { pollUntil } from '../../../test/support/poll.js';
import { connectJetStream, ReconnectingPublisher, Subject } from '../src/index.js';
import { publishOnce } from './support/events-support.js';

/** How long the server refuses the credentials: long enough for several of nats.js's reconnects. */
const AUTH_ERROR_WINDOW_MS = 1_500;
const POLL_MS = 100;
const RECOVERY_DEADLINE_MS = 15_000;

let dir: string;
let nats: NatsServer;
let files: NatsOperatorFiles;
let credsFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-nats-creds-'));
  files = await writeNatsOperatorFiles(dir);
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
    await publishOnce(nats.url, { name: 'events-test-creds', credsFile });
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

describe('a publisher whose credentials the server stops accepting for a while', () => {
  it('keeps trying through the authorization errors and publishes once they are accepted again', async () => {
    const publisher = new ReconnectingPublisher(nats.url, { name: 'events-test-creds-lapse', credsFile });
    const publishes = () =>
      publisher.publish(Subject.InstanceStored, { lapse: true }).then(
        () => true,
        () => undefined,
      );
    try {
      await publisher.firstAttempt;
      expect(await publishes()).toBe(true);

      // The server comes back without the account: every reconnect is an authorization error.
      await nats.stop();
      await writeFile(files.configFile, files.configWithoutAccount);
      await nats.start();
      // nats.js gives a connection up after two authorization errors in a row; its reconnects come every
      // ~250 ms, so this window (the one timed wait here) holds several.
      const lapseEnds = Date.now() + AUTH_ERROR_WINDOW_MS;
      while (Date.now() < lapseEnds) {
        expect(await publishes()).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }

      await nats.stop();
      await writeFile(files.configFile, files.config);
      await nats.start();
      await pollUntil('a publish after the credentials are accepted again', publishes, RECOVERY_DEADLINE_MS);
    } finally {
      await publisher.close();
    }
  });
});
