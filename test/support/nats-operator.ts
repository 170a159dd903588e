/**
 * Test helper: what a nats-server needs to run in operator mode (NATS's decentralized authentication): an
 * operator, a system account and an account with JetStream, preloaded in a memory resolver, written as a
 * configuration file, and a `.creds` file of one user of that account. Start the server with
 * `startNats({ args: ['-c', configFile] })`. Keys are made fresh each time.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
} from '@nats-io/jwt';

/** No limit (-1) on what the account may use, JetStream included. */
const UNLIMITED = {
  mem_storage: -1,
  disk_storage: -1,
  streams: -1,
  consumer: -1,
  conn: -1,
  subs: -1,
  data: -1,
  payload: -1,
};

export interface NatsOperatorFiles {
  /** nats-server configuration: the operator, the system account, the resolver with both accounts. */
  readonly configFile: string;
  /** A user of the JetStream account: its JWT and NKey seed. */
  readonly credsFile: string;
  /** The configuration's text, and the same without the JetStream account (its users are then refused). */
  readonly config: string;
  readonly configWithoutAccount: string;
}

/** Writes `nats-operator.conf` and `user.creds` into `dir`. */
export async function writeNatsOperatorFiles(dir: string): Promise<NatsOperatorFiles> {
  const operatorKey = createOperator();
  const systemKey = createAccount();
  const accountKey = createAccount();
  const userKey = createUser();
  const operator = await encodeOperator('dicomesh-test', operatorKey);
  const system = await encodeAccount('SYS', systemKey, {}, { signer: operatorKey });
  const account = await encodeAccount('archive', accountKey, { limits: UNLIMITED }, { signer: operatorKey });
  const user = await encodeUser('dicomesh', userKey, accountKey);
  const credsFile = join(dir, 'user.creds');
  await writeFile(credsFile, fmtCreds(user, userKey), { mode: 0o600 });
  const configFile = join(dir, 'nats-operator.conf');
  const configWith = (accounts: readonly string[]) =>
    [
      `operator: ${operator}`,
      `system_account: ${systemKey.getPublicKey()}`,
      'resolver: MEMORY',
      'resolver_preload: {',
      ...accounts,
      '}',
      '',
    ].join('\n');
  const systemEntry = `  ${systemKey.getPublicKey()}: ${system}`;
  const config = configWith([systemEntry, `  ${accountKey.getPublicKey()}: ${account}`]);
  await writeFile(configFile, config);
  return { configFile, credsFile, config, configWithoutAccount: configWith([systemEntry]) };
}
