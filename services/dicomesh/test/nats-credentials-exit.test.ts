/**
 * NATS credential files a service cannot use (DICOMESH_NATS_CREDS_FILE, _NKEY_FILE, DICOMESH_NATS_TLS_*) are a
 * configuration error, as an invalid variable is: the service logs the variables and the problem and exits
 * with status 2 before it opens its index or its blob store, in every process that reads them.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../../../libs/dimse/test/support/dcmtk.js';
import { CONFIG_EXIT_CODE, serviceExit } from './support/service-exit.js';

/** Nothing listens there: a service that got past its check would not reach NATS either. */
const UNREACHABLE_NATS = 'nats://127.0.0.1:1';
const SERVICES = ['gateway', 'storage', 'retrieve', 'all-in-one'] as const;

let work: string;
let removeDir: () => void;
let runs = 0;

beforeAll(() => {
  ({ path: work, remove: removeDir } = tempDir('dicomesh-nats-credentials-'));
});
afterAll(() => removeDir());

/** `dicomesh SERVICE` with these NATS variables, in a data dir of its own that does not exist yet. */
async function start(service: string, nats: Record<string, string>) {
  const dataDir = join(work, `data-${++runs}`);
  const exit = await serviceExit(service, {
    DICOMESH_DATA_DIR: dataDir,
    DICOMESH_DICOM_PORT: String(await freePort()),
    DICOMESH_GRPC_PORT: '0',
    DICOMESH_NATS_URL: UNREACHABLE_NATS,
    ...nats,
  });
  return { ...exit, dataDirMade: existsSync(dataDir) };
}

describe('a service whose NATS credential files cannot be used', () => {
  it.each(SERVICES)(
    '%s exits with the configuration status for a .creds file that is not there',
    async (service) => {
      const missing = join(work, 'missing.creds');
      const exit = await start(service, { DICOMESH_NATS_CREDS_FILE: missing });
      expect(exit.code).toBe(CONFIG_EXIT_CODE);
      expect(exit.output).toContain('DICOMESH_NATS_CREDS_FILE');
      expect(exit.output).toContain(missing);
      expect(exit.dataDirMade).toBe(false);
    },
  );

  it('exits with the configuration status for an NKey file that holds no seed', async () => {
    const notASeed = join(work, 'not-a-seed.nk');
    writeFileSync(notASeed, 'not a seed\n');
    const exit = await start('retrieve', { DICOMESH_NATS_NKEY_FILE: notASeed });
    expect(exit.code).toBe(CONFIG_EXIT_CODE);
    expect(exit.output).toContain('DICOMESH_NATS_NKEY_FILE');
    expect(exit.output).toContain(notASeed);
    expect(exit.dataDirMade).toBe(false);
  });

  it('exits with the configuration status for a CA file that holds no certificate', async () => {
    const notCa = join(work, 'not-a-ca.pem');
    writeFileSync(notCa, 'not a certificate\n');
    const exit = await start('storage', { DICOMESH_NATS_TLS_CA_FILE: notCa });
    expect(exit.code).toBe(CONFIG_EXIT_CODE);
    expect(exit.output).toContain('DICOMESH_NATS_TLS_CA_FILE');
    expect(exit.output).toContain(notCa);
    expect(exit.dataDirMade).toBe(false);
  });
});
