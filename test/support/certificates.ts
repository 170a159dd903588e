/** A throwaway PKI made with openssl in a temp dir: a CA, a server and a client certificate it signed, and a stranger's self-signed one. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KEY = ['-newkey', 'rsa:2048', '-nodes'];
const DAYS = ['-days', '2'];

export interface CertificatePair {
  readonly key: string;
  readonly cert: string;
}

export interface TestPki {
  readonly caCert: string;
  readonly ca: CertificatePair;
  readonly server: CertificatePair;
  readonly client: CertificatePair;
  /** Self-signed: no CA we trust signed it. */
  readonly stranger: CertificatePair;
}

/** A certificate for `name` (CN and file names; SAN 127.0.0.1 and localhost) signed by `ca`. */
export async function signed(dir: string, name: string, ca: CertificatePair): Promise<CertificatePair> {
  const pair = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.crt`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await run('openssl', ['req', ...KEY, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`]);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    pair.cert,
    ...DAYS,
    '-extfile',
    ext,
  ]);
  return pair;
}

async function selfSigned(dir: string, name: string): Promise<CertificatePair> {
  const pair = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.crt`) };
  await run('openssl', [
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    ...DAYS,
    '-subj',
    `/CN=${name}`,
  ]);
  return pair;
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  const ca = await selfSigned(dir, 'ca');
  const [server, client, stranger] = await Promise.all([
    signed(dir, 'server', ca),
    signed(dir, 'client', ca),
    selfSigned(dir, 'stranger'),
  ]);
  return { caCert: ca.cert, ca, server, client, stranger };
}
