/**
 * Test helper: how a topology's nats-server admits the services: in operator mode (a `.creds` file, NATS's
 * decentralized authentication), by a user's NKey (a seed file) or over TLS verifying client certificates (a CA, a server and a client
 * certificate it signed). Gives the server's arguments, the services' environment, and the same credentials
 * as the events library takes them, for a test's own consumer.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsClientAuth } from '@dicomesh/events';
import { makeTestPki, type TestPki } from './certificates.ts';
import { writeNatsNkeyFiles } from './nats-nkey-users.ts';
import { writeNatsOperatorFiles } from './nats-operator.ts';

export type NatsAuthMode = 'operator' | 'nkey' | 'client-certificates';

export interface NatsAuthSetup {
  /** nats-server's extra arguments. */
  readonly serverArgs: readonly string[];
  /** DICOMESH_NATS_* for every service. */
  readonly env: Readonly<Record<string, string>>;
  /** What the services present, for connectJetStream and durableConsumer. */
  readonly client: NatsClientAuth;
}

/** nats-server's arguments for TLS with the PKI's server certificate, verifying clients against its CA. */
export function natsTlsVerifyArgs(pki: TestPki): string[] {
  return [
    '--tls',
    '--tlscert',
    pki.server.cert,
    '--tlskey',
    pki.server.key,
    '--tlscacert',
    pki.caCert,
    '--tlsverify',
  ];
}

export async function natsAuthSetup(mode: NatsAuthMode, dir: string): Promise<NatsAuthSetup> {
  if (mode === 'operator') {
    const files = await writeNatsOperatorFiles(dir);
    return {
      serverArgs: ['-c', files.configFile],
      env: { DICOMESH_NATS_CREDS_FILE: files.credsFile },
      client: { credsFile: files.credsFile },
    };
  }
  if (mode === 'nkey') {
    const files = await writeNatsNkeyFiles(dir);
    return {
      serverArgs: ['-c', files.configFile],
      env: { DICOMESH_NATS_NKEY_FILE: files.seedFile },
      client: { nkeyFile: files.seedFile },
    };
  }
  const pkiDir = join(dir, 'nats-pki');
  await mkdir(pkiDir, { recursive: true });
  const pki = await makeTestPki(pkiDir);
  const tls = { certFile: pki.client.cert, keyFile: pki.client.key, caFile: pki.caCert };
  return {
    serverArgs: natsTlsVerifyArgs(pki),
    env: {
      DICOMESH_NATS_TLS_CERT_FILE: tls.certFile,
      DICOMESH_NATS_TLS_KEY_FILE: tls.keyFile,
      DICOMESH_NATS_TLS_CA_FILE: tls.caFile,
    },
    client: { tls },
  };
}
