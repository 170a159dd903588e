/**
 * A nats-server that admits users by NKey (`authorization { users: [{ nkey: U... }] }`): a service presents the
 * seed in DICOMESH_NATS_NKEY_FILE, read again at every reconnect, so a rotated seed is used without a restart;
 * a file that holds no user's seed fails at once.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NatsNkeyFiles,
  newNkeyUser,
  writeNatsNkeyFiles,
} from '../../../test/support/nats-nkey-users.js';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import { pollUntil } from '../../../test/support/poll.js';
import {
  connectJetStream,
  NatsCredentialsError,
  natsAuthOptions,
  ReconnectingPublisher,
  Subject,
} from '../src/index.js';
import { publishOnce } from './support/events-support.js';

const CONNECT_TIMEOUT_MS = 2_000;
const ROTATION_DEADLINE_MS = 15_000;

let dir: string;
let nats: NatsServer;
let files: NatsNkeyFiles;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-nats-nkey-'));
  files = await writeNatsNkeyFiles(dir);
  nats = await startNats({ args: ['-c', files.configFile] });
});

afterAll(async () => {
  await nats?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('an NKey seed file', () => {
  it('is refused without it; connects, creates the stream and publishes with it', async () => {
    await expect(
      connectJetStream(nats.url, { name: 'events-test-nkey', connectTimeoutMs: CONNECT_TIMEOUT_MS }),
    ).rejects.toThrow(/Authorization Violation/i);
    await publishOnce(nats.url, { name: 'events-test-nkey', nkeyFile: files.seedFile });
  });

  it('is refused when it holds the seed of a user the server does not list', async () => {
    const stranger = join(dir, 'stranger.nk');
    await writeFile(stranger, newNkeyUser().seed);
    await expect(
      connectJetStream(nats.url, {
        name: 'events-test-nkey',
        nkeyFile: stranger,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      }),
    ).rejects.toThrow(/Authorization Violation/i);
  });

  it('fails at once when it is missing, holds no seed, or the seed of an account rather than a user', async () => {
    const notASeed = join(dir, 'not-a-seed.nk');
    await writeFile(notASeed, 'SUNOTASEED\n');
    const accountSeed = join(dir, 'account.nk');
    await writeFile(accountSeed, new TextDecoder().decode(createAccount().getSeed()));
    for (const nkeyFile of [join(dir, 'missing.nk'), notASeed, accountSeed])
      expect(() => natsAuthOptions({ nkeyFile })).toThrow(NatsCredentialsError);
  });
});

describe('a publisher whose NKey seed is rotated', () => {
  it('presents the new seed at the next reconnect, without a restart', async () => {
    const seedFile = join(dir, 'rotated.nk');
    await writeFile(seedFile, await readFile(files.seedFile));
    const publisher = new ReconnectingPublisher(nats.url, {
      name: 'events-test-nkey-rotation',
      nkeyFile: seedFile,
    });
    try {
      await publisher.firstAttempt;
      await publisher.publish(Subject.InstanceStored, { rotation: 'before' });

      // The server now admits only the next user, whose seed replaces the file.
      const next = newNkeyUser();
      await writeFile(seedFile, `${next.seed}\n`);
      await nats.stop();
      await writeFile(files.configFile, files.configFor(next.publicKey));
      await nats.start();
      await pollUntil(
        'a publish with the rotated seed',
        () =>
          publisher.publish(Subject.InstanceStored, { rotation: 'after' }).then(
            () => true,
            () => undefined,
          ),
        ROTATION_DEADLINE_MS,
      );
    } finally {
      await publisher.close();
    }
  });
});
