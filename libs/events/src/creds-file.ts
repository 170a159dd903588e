/**
 * A NATS `.creds` file (a user JWT and its NKey seed: NATS's decentralized authentication, what `nsc` and the
 * NATS operators hand out) as nats.js's authenticator. The file is read at every connect and reconnect, so a
 * rotated Secret takes effect on the next reconnect, without a restart.
 */
import { readFileSync } from 'node:fs';
import { type Authenticator, credsAuthenticator } from '@nats-io/transport-node';

/** The file must be readable now: a missing one fails the service's start, not every reconnect. */
export function credsFileAuthenticator(path: string): Authenticator {
  readFileSync(path);
  return (nonce?: string) => credsAuthenticator(readFileSync(path))(nonce);
}
