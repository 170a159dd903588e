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

/** A file a service cannot use: which service is given it, in which variable, holding what (none: missing). */
interface UnusableFile {
  readonly what: string;
  readonly service: (typeof SERVICES)[number];
  readonly variable: string;
  readonly name: string;
  readonly content?: string;
}

const UNUSABLE: readonly UnusableFile[] = [
  ...SERVICES.map((service) => ({
    what: 'a .creds file that is not there',
    service,
    variable: 'DICOMESH_NATS_CREDS_FILE',
    name: 'missing.creds',
  })),
  {
    what: 'an NKey file that holds no seed',
    service: 'retrieve',
    variable: 'DICOMESH_NATS_NKEY_FILE',
    name: 'not-a-seed.nk',
    content: 'not a seed\n',
  },
  {
    what: 'a CA file that holds no certificate',
    service: 'storage',
    variable: 'DICOMESH_NATS_TLS_CA_FILE',
    name: 'not-a-ca.pem',
    content: 'not a certificate\n',
  },
];

describe('a service whose NATS credential files cannot be used', () => {
  it.each(UNUSABLE)(
    '$service exits with the configuration status for $what',
    async ({ service, variable, name, content }) => {
      const file = join(work, name);
      if (content !== undefined) writeFileSync(file, content);
      const exit = await start(service, { [variable]: file });
      expect(exit.code).toBe(CONFIG_EXIT_CODE);
      expect(exit.output).toContain(variable);
      expect(exit.output).toContain(file);
      expect(exit.dataDirMade).toBe(false);
    },
  );
});
