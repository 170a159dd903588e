/**
 * `dicomesh all-in-one` serves DICOM TLS (PS3.15 B.1) as the gateway does: DICOMESH_TLS_PORT with the
 * listener's certificate and key, and client certificates required under DICOMESH_TLS_CA_FILE. DCMTK echoscu
 * and storescu with a client certificate the CA signed are served on the TLS port, and the object stored
 * over TLS is found on the plain port; a client without a certificate is refused.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, run, tempDir } from '../../../libs/dimse/test/support/dcmtk.js';
import { makeTestPki, type TestPki } from '../../../test/support/certificates.js';
import { ALL_IN_ONE_AE_TITLE, type AllInOne, startAllInOne } from './support/all-in-one.js';

const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const CT_SMALL_SOP_INSTANCE = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';

let pki: TestPki;
let tlsPort: number;
let archive: AllInOne;
let removeDir: (() => void) | undefined;

beforeAll(async () => {
  const dir = tempDir('dicomesh-all-in-one-tls-');
  removeDir = dir.remove;
  pki = await makeTestPki(dir.path);
  tlsPort = await freePort();
  archive = await startAllInOne(join(dir.path, 'data'), {
    DICOMESH_TLS_PORT: String(tlsPort),
    DICOMESH_TLS_CERT_FILE: pki.server.cert,
    DICOMESH_TLS_KEY_FILE: pki.server.key,
    DICOMESH_TLS_CA_FILE: pki.caCert,
    DICOMESH_TLS_REQUIRE_CLIENT_CERT: 'true',
  });
});

afterAll(async () => {
  await archive?.stop();
  removeDir?.();
});

/** The TLS listener, verified against the test CA. */
const tlsPeer = () => ['+cf', pki.caCert, '-aec', ALL_IN_ONE_AE_TITLE, '127.0.0.1', String(tlsPort)];
/** ... presenting the client certificate. */
const overTls = () => ['+tls', pki.client.key, pki.client.cert, ...tlsPeer()];

describe('all-in-one with DICOMESH_TLS_PORT', () => {
  it('answers echoscu and storescu over TLS with a client certificate, and indexes what they store', async () => {
    const echo = await run('echoscu', overTls());
    expect(echo.code, echo.output + archive.output()).toBe(0);
    const store = await run('storescu', [...overTls(), CT_SMALL]);
    expect(store.code, store.output).toBe(0);
    const found = await run('findscu', [
      '-v',
      '-S',
      '-k',
      'QueryRetrieveLevel=IMAGE',
      '-k',
      'StudyInstanceUID=1.3.6.1.4.1.5962.1.2.1.20040119072730.12322',
      '-k',
      'SeriesInstanceUID=1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322',
      '-k',
      'SOPInstanceUID',
      '-aec',
      ALL_IN_ONE_AE_TITLE,
      '127.0.0.1',
      String(archive.port),
    ]);
    expect(found.output).toContain(CT_SMALL_SOP_INSTANCE);
  });

  it('refuses a TLS client without a certificate', async () => {
    const echo = await run('echoscu', ['+tla', ...tlsPeer()]);
    expect(echo.code).not.toBe(0);
    // Refused in the handshake, by a listener that is there.
    expect(echo.output).not.toMatch(/connection refused/i);
  });
});
