/**
 * The SCU tools over DICOM TLS (PS3.15 B.1), with DCMTK's options (`+tls KEY CERT`, `+tla`, `+cf CA`), against
 * DCMTK storescp with `+tls`, which requires a client certificate, under a CA made by openssl: echo and store
 * succeed and the object arrives unchanged; a server certificate the given CA did not sign is refused, and so
 * is a client without a certificate; `+cf` alone is a usage error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePart10 } from '@dicomesh/dicom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTool, startListener, tempDir } from '../../../libs/dimse/test/support/dcmtk.js';
import { makeTestPki, type TestPki } from '../../../test/support/certificates.js';
import { dicomesh } from './support/run-tool.js';

const SCP_AE = 'TLSSCP';
const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const EXIT_SUCCESS = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

let pki: TestPki;
let received: string;
let storescp: RunningTool;
let removeDir: (() => void) | undefined;

beforeAll(async () => {
  const dir = tempDir('dicomesh-scu-tls-');
  removeDir = dir.remove;
  pki = await makeTestPki(dir.path);
  received = join(dir.path, 'received');
  await mkdir(received);
  storescp = await startListener('storescp', (port) => [
    '-aet',
    SCP_AE,
    '+tls',
    pki.server.key,
    pki.server.cert,
    '+cf',
    pki.caCert,
    '+B',
    '+xa',
    '-od',
    received,
    String(port),
  ]);
});

afterAll(async () => {
  await storescp?.stop();
  removeDir?.();
});

/** A Part 10 file's data set bytes, after its meta header. */
function dataSetOf(path: string): Buffer {
  const bytes = readFileSync(path);
  return bytes.subarray(parsePart10(bytes).dataSetOffset);
}

const peer = () => ['-aec', SCP_AE, '127.0.0.1', String(storescp.port)];
const withClientCertificate = () => ['+tls', pki.client.key, pki.client.cert, '+cf', pki.caCert];

describe('dicomesh echo|store over DICOM TLS against storescp +tls', () => {
  it('echo and store succeed, and the data set arrives unchanged', async () => {
    const echo = await dicomesh(['echo', ...withClientCertificate(), ...peer()]);
    expect(echo.code, echo.stderr).toBe(EXIT_SUCCESS);
    const store = await dicomesh(['store', ...withClientCertificate(), ...peer(), CT_SMALL]);
    expect(store.code, store.stderr).toBe(EXIT_SUCCESS);
    const files = readdirSync(received);
    expect(files).toHaveLength(1);
    expect(dataSetOf(join(received, files[0] as string)).equals(dataSetOf(CT_SMALL))).toBe(true);
  });

  it('refuses a server whose certificate the given CA did not sign', async () => {
    const echo = await dicomesh([
      'echo',
      '+tls',
      pki.client.key,
      pki.client.cert,
      '+cf',
      pki.stranger.cert,
      ...peer(),
    ]);
    expect(echo.code).toBe(EXIT_FAILURE);
    expect(echo.stderr + JSON.stringify(echo.events)).toMatch(/certificate/i);
  });

  it('is refused by a server that requires a client certificate when it has none (+tla)', async () => {
    const echo = await dicomesh(['echo', '+tla', '+cf', pki.caCert, ...peer()]);
    expect(echo.code).toBe(EXIT_FAILURE);
  });

  it('+cf without +tls or +tla is a usage error', async () => {
    const echo = await dicomesh(['echo', '+cf', pki.caCert, ...peer()]);
    expect(echo.code).toBe(EXIT_USAGE);
  });
});
