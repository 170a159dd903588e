/**
 * C-MOVE to destinations that accept DICOM TLS only (PS3.15 B.1): an AE registered with `tls: true` is reached
 * over TLS, presenting DICOMESH_MOVE_TLS_CERT_FILE and verifying its certificate against
 * DICOMESH_MOVE_TLS_CA_FILE. Against DCMTK storescp `+tls` (which requires a client certificate) under a CA
 * made by openssl, through `dicomesh all-in-one` and DCMTK movescu: the study arrives unchanged; a destination
 * whose certificate the CA did not sign, and one registered without `tls`, get nothing and the move fails with
 * the failed instances listed. A client certificate without its key, or a file that is not there, stops the
 * retrieve service at start with the configuration exit status.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePart10 } from '@dicomesh/dicom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTool, run, startListener, tempDir } from '../../../libs/dimse/test/support/dcmtk.js';
import { makeTestPki, type TestPki } from '../../../test/support/certificates.js';
import { ALL_IN_ONE_AE_TITLE, type AllInOne, startAllInOne } from './support/all-in-one.js';
import { dicomesh } from './support/run-tool.js';
import { CONFIG_EXIT_CODE, serviceExit } from './support/service-exit.js';

const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const CT_SMALL_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
/** How movescu names A702 (Refused: Out of Resources - Unable to perform sub-operations): every one failed. */
const A702 = /Final Move Response \(Refused: OutOfResourcesSubOperations\)/;

let work: string;
let removeDir: (() => void) | undefined;
let pki: TestPki;
let trusted: RunningTool;
let stranger: RunningTool;
let trustedDir: string;
let strangerDir: string;
let archive: AllInOne;

/** storescp over TLS only, with this certificate, requiring a client certificate the test CA signed. */
function storescpTls(aeTitle: string, pair: { key: string; cert: string }, dir: string) {
  return startListener('storescp', (port) => [
    '-aet',
    aeTitle,
    '+tls',
    pair.key,
    pair.cert,
    '+cf',
    pki.caCert,
    '+B', // the data set written as received
    '-od',
    dir,
    String(port),
  ]);
}

function moveStudyTo(destination: string) {
  return run('movescu', [
    '-v',
    '-S',
    '-aem',
    destination,
    '-aec',
    ALL_IN_ONE_AE_TITLE,
    '-k',
    'QueryRetrieveLevel=STUDY',
    '-k',
    `StudyInstanceUID=${CT_SMALL_STUDY}`,
    '127.0.0.1',
    String(archive.port),
  ]);
}

/** A Part 10 file's data set bytes, after its meta header. */
function dataSetOf(path: string): Buffer {
  const bytes = readFileSync(path);
  return bytes.subarray(parsePart10(bytes).dataSetOffset);
}

beforeAll(async () => {
  const dir = tempDir('dicomesh-move-tls-');
  work = dir.path;
  removeDir = dir.remove;
  pki = await makeTestPki(work);
  trustedDir = join(work, 'trusted');
  strangerDir = join(work, 'stranger');
  await mkdir(trustedDir);
  await mkdir(strangerDir);
  trusted = await storescpTls('TLSPACS', pki.server, trustedDir);
  stranger = await storescpTls('STRANGER', pki.stranger, strangerDir);
  const aeFile = join(work, 'ae.yaml');
  writeFileSync(
    aeFile,
    [
      `- {aeTitle: TLSPACS, host: 127.0.0.1, port: ${trusted.port}, tls: true}`,
      `- {aeTitle: STRANGER, host: 127.0.0.1, port: ${stranger.port}, tls: true}`,
      // The same TLS listener, registered as if it spoke plain DICOM.
      `- {aeTitle: PLAINPACS, host: 127.0.0.1, port: ${trusted.port}}`,
      '',
    ].join('\n'),
  );
  archive = await startAllInOne(join(work, 'data'), {
    DICOMESH_AE_FILE: aeFile,
    DICOMESH_MOVE_TLS_CERT_FILE: pki.client.cert,
    DICOMESH_MOVE_TLS_KEY_FILE: pki.client.key,
    DICOMESH_MOVE_TLS_CA_FILE: pki.caCert,
    DICOMESH_DIMSE_TIMEOUT: '10s',
  });
  // Our SCU sends the data set byte for byte (storescu drops CT_small's trailing padding).
  const stored = await dicomesh([
    'store',
    '-aec',
    ALL_IN_ONE_AE_TITLE,
    '127.0.0.1',
    String(archive.port),
    CT_SMALL,
  ]);
  expect(stored.code, stored.stderr).toBe(0);
});

afterAll(async () => {
  await archive?.stop();
  await trusted?.stop();
  await stranger?.stop();
  removeDir?.();
});

describe('C-MOVE to a destination registered with tls: true', () => {
  it('sends the study over TLS with the client certificate, unchanged', async () => {
    const moved = await moveStudyTo('TLSPACS');
    expect(moved.code, moved.output + archive.output().slice(-3000)).toBe(0);
    expect(moved.output).toMatch(/Received Final Move Response \(Success\)/);
    const files = readdirSync(trustedDir);
    expect(files).toHaveLength(1);
    expect(dataSetOf(join(trustedDir, files[0] as string)).equals(dataSetOf(CT_SMALL))).toBe(true);
  });

  it('sends nothing to a destination whose certificate the CA did not sign', async () => {
    const moved = await moveStudyTo('STRANGER');
    expect(moved.output).not.toMatch(/Final Move Response \(Success\)/);
    expect(moved.output).toMatch(A702);
    expect(readdirSync(strangerDir)).toHaveLength(0);
    expect(archive.output()).toMatch(/certificate/i);
  });

  it('sends nothing over plain TCP to a TLS listener registered without tls', async () => {
    const before = readdirSync(trustedDir).length;
    const moved = await moveStudyTo('PLAINPACS');
    expect(moved.output).not.toMatch(/Final Move Response \(Success\)/);
    expect(moved.output).toMatch(A702);
    expect(readdirSync(trustedDir)).toHaveLength(before);
  });
});

/** `dicomesh retrieve` with `env`: its exit code and what it logged. */
function retrieveExit(env: Record<string, string>) {
  return serviceExit('retrieve', {
    DICOMESH_DATA_DIR: join(work, 'retrieve-data'),
    DICOMESH_GRPC_PORT: '0',
    ...env,
  });
}

describe('the retrieve service with DICOMESH_MOVE_TLS_* it cannot use', () => {
  it('exits with the configuration status for a certificate without its key', async () => {
    const exit = await retrieveExit({ DICOMESH_MOVE_TLS_CERT_FILE: pki.client.cert });
    expect(exit.code).toBe(CONFIG_EXIT_CODE);
    expect(exit.output).toContain('DICOMESH_MOVE_TLS_KEY_FILE');
  });

  it('exits with the configuration status for a file that is not there', async () => {
    const exit = await retrieveExit({
      DICOMESH_MOVE_TLS_CERT_FILE: pki.client.cert,
      DICOMESH_MOVE_TLS_KEY_FILE: join(work, 'missing.key'),
    });
    expect(exit.code).toBe(CONFIG_EXIT_CODE);
    expect(exit.output).toContain('missing.key');
  });

  it('exits with the configuration status for a CA file without a certificate (a certificate request)', async () => {
    const exit = await retrieveExit({
      DICOMESH_MOVE_TLS_CERT_FILE: pki.client.cert,
      DICOMESH_MOVE_TLS_KEY_FILE: pki.client.key,
      DICOMESH_MOVE_TLS_CA_FILE: join(work, 'client.csr'),
    });
    expect(exit.code).toBe(CONFIG_EXIT_CODE);
    expect(exit.output).toContain('DICOMESH_MOVE_TLS');
  });
});
