/**
 * Test helper: a nats-server that admits users by NKey (`authorization { users: [{ nkey: U... }] }`): a fresh
 * user key pair, its seed written as a file (what DICOMESH_NATS_NKEY_FILE names), and the server's
 * configuration listing that user's public key. Start the server with `startNats({ args: ['-c', configFile] })`;
 * `configFor(publicKey)` gives the configuration admitting another user instead.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';

export interface NatsNkeyFiles {
  /** nats-server configuration admitting the user's public key only. */
  readonly configFile: string;
  /** The user's seed (SU...), one line. */
  readonly seedFile: string;
  /** The configuration's text admitting `publicKey` only. */
  configFor(publicKey: string): string;
}

/** A fresh user's key pair: its seed and public key. */
export function newNkeyUser(): { seed: string; publicKey: string } {
  const user = createUser();
  return { seed: new TextDecoder().decode(user.getSeed()), publicKey: user.getPublicKey() };
}

/** Writes `nats-nkey.conf` and `user.nk` into `dir`. */
export async function writeNatsNkeyFiles(dir: string): Promise<NatsNkeyFiles> {
  const user = newNkeyUser();
  const configFor = (publicKey: string) => `authorization {\n  users: [{ nkey: ${publicKey} }]\n}\n`;
  const seedFile = join(dir, 'user.nk');
  await writeFile(seedFile, `${user.seed}\n`, { mode: 0o600 });
  const configFile = join(dir, 'nats-nkey.conf');
  await writeFile(configFile, configFor(user.publicKey));
  return { configFile, seedFile, configFor };
}
