/**
 * NATS over TLS with client certificates (DICOMESH_NATS_TLS_*): a real nats-server with `--tlsverify` admits a
 * service only with a certificate its CA signed, and the service only trusts a server whose certificate
 * chains to the CA it was given. Files that cannot be used fail at once, not at every reconnect.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../../test/support/certificates.js';
import { natsTlsVerifyArgs } from '../../../test/support/nats-auth-setup.js';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import { NatsCredentialsError, natsClientAuth, ReconnectingPublisher } from '../src/index.js';
import { publishOnce } from './support/events-support.js';

/**
 * The deadline of a connection the server refuses: nats-server ends the handshake of a client it does not
 * verify, and nats.js tries again until its deadline, so the refusal shows as a timeout (the same server
 * admits the right certificate in tens of milliseconds, in the first case).
 */
const REFUSED_DEADLINE_MS = 1_500;

let dir: string;
let pki: TestPki;
let nats: NatsServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-nats-tls-'));
  pki = await makeTestPki(dir);
  nats = await startNats({ args: natsTlsVerifyArgs(pki) });
});

afterAll(async () => {
  await nats?.dispose();
  await rm(dir, { recursive: true, force: true });
});

type TlsSettings = Parameters<typeof natsClientAuth>[0];
const connectWith = (tls: TlsSettings) =>
  publishOnce(nats.url, { name: 'events-test-tls', ...natsClientAuth(tls) });
const refusedWith = (tls: TlsSettings) =>
  publishOnce(nats.url, {
    name: 'events-test-tls',
    connectTimeoutMs: REFUSED_DEADLINE_MS,
    ...natsClientAuth(tls),
  });

describe('NATS that verifies client certificates', () => {
  it('admits a client certificate its CA signed: connects, creates the stream and publishes', async () => {
    await connectWith({
      natsTlsCertFile: pki.client.cert,
      natsTlsKeyFile: pki.client.key,
      natsTlsCaFile: pki.caCert,
    });
  });

  it('refuses a client without a certificate', async () => {
    await expect(refusedWith({ natsTlsCaFile: pki.caCert })).rejects.toThrow(/timeout/i);
  });

  it('refuses a certificate no CA it trusts signed', async () => {
    await expect(
      refusedWith({
        natsTlsCertFile: pki.stranger.cert,
        natsTlsKeyFile: pki.stranger.key,
        natsTlsCaFile: pki.caCert,
      }),
    ).rejects.toThrow(/timeout/i);
  });

  it("is not trusted when its certificate does not chain to the CA given (Node's own CAs did not sign it either)", async () => {
    await expect(
      connectWith({
        natsTlsCertFile: pki.client.cert,
        natsTlsKeyFile: pki.client.key,
        natsTlsCaFile: pki.stranger.cert,
      }),
    ).rejects.toThrow(/certificate/i);
  });
});

describe('TLS files that cannot be used fail a publisher at once', () => {
  const publisher = (tls: TlsSettings) =>
    new ReconnectingPublisher(nats.url, { name: 'events-test-tls', ...natsClientAuth(tls) });

  it('a missing file, named', () => {
    const missing = () =>
      publisher({ natsTlsCertFile: join(dir, 'missing.crt'), natsTlsKeyFile: pki.client.key });
    expect(missing).toThrow(NatsCredentialsError);
    expect(missing).toThrow(/missing\.crt.*ENOENT/);
  });

  it('a key that is not the certificate’s', () => {
    expect(() => publisher({ natsTlsCertFile: pki.client.cert, natsTlsKeyFile: pki.server.key })).toThrow(
      /key values mismatch/i,
    );
  });

  it('a CA file without a certificate (a certificate request)', async () => {
    const request = join(dir, 'request-as-ca.crt');
    await copyFile(join(dir, 'client.csr'), request);
    expect(() => publisher({ natsTlsCaFile: request })).toThrow();
  });
});
