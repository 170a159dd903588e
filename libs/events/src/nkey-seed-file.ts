/**
 * A file holding a NATS user's NKey seed (`SU...`), for a server that lists its users' public NKeys
 * (`authorization { users: [{ nkey: U... }] }`), as nats.js's authenticator: the server's nonce is signed with
 * the seed. The file is read at every connect and reconnect, so a rotated Secret takes effect on the next one.
 */
import { readFileSync } from 'node:fs';
import { type Authenticator, nkeyAuthenticator, nkeys } from '@nats-io/transport-node';

/** The seed without the line ending or spaces a Secret or an editor may add. */
function readSeed(path: string): Uint8Array {
  return new TextEncoder().encode(readFileSync(path, 'utf8').trim());
}

/** The file must hold a user's seed now: a missing or malformed one fails the service's start. */
export function nkeySeedFileAuthenticator(path: string): Authenticator {
  const seed = readSeed(path);
  const publicKey = nkeys.fromSeed(seed).getPublicKey();
  if (!publicKey.startsWith('U'))
    throw new Error(`${path} holds the seed of ${publicKey[0]}..., not of a user (U...)`);
  return nkeyAuthenticator(() => readSeed(path));
}
