/**
 * The services topology with PgBouncer in transaction mode between every service and PostgreSQL
 * (DICOMESH_DATABASE_POOLED=true), with fewer server connections than the services have clients: objects
 * stored from concurrent storescu associations are indexed once each, findscu finds them and getscu gets them
 * back, and no service logs a statement PgBouncer refused.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceCount } from '../support/archive-state.ts';
import { GATEWAY_AE_TITLE } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const run = promisify(execFile);
const MAKE_OBJECTS = resolve(import.meta.dirname, '../bench/make-objects.py');
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const OBJECTS = 24;
const ASSOCIATIONS = 4;
/** What a service logs when PgBouncer refuses what it was sent. */
const POOLER_REFUSALS = /prepared statement|unsupported startup parameter/;

let topology: Topology;
let work: string;
let files: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dicomesh-pooler-'));
  const objects = join(work, 'objects');
  await run('/usr/bin/python3', [MAKE_OBJECTS, objects, String(OBJECTS), 'small']);
  files = (await readdir(objects)).sort().map((name) => join(objects, name));
  topology = await startTopology({ pooler: 'transaction' });
});

afterAll(async () => {
  await topology?.stop();
  await rm(work, { recursive: true, force: true });
});

async function studyOf(file: string): Promise<string> {
  const { stdout } = await run('dcmdump', ['+P', '0020,000d', file]);
  const uid = /\[([0-9.]+)\]/.exec(stdout)?.[1];
  if (uid === undefined) throw new Error(`no Study Instance UID in ${file}: ${stdout}`);
  return uid;
}

describe('the services topology through PgBouncer in transaction mode', () => {
  it('stores from concurrent associations, finds and gets every object', async () => {
    const { dicomPort, postgres } = topology;
    const peer = ['-aec', GATEWAY_AE_TITLE, '127.0.0.1', String(dicomPort)];
    const parts = Array.from({ length: ASSOCIATIONS }, (_, i) =>
      files.filter((_, n) => n % ASSOCIATIONS === i),
    );
    await Promise.all(parts.map((part) => run('storescu', [...peer, ...part], { env: DCMTK_ENV })));
    // Counted on PostgreSQL itself, not through the pooler.
    expect(await instanceCount(postgres.url)).toBe(OBJECTS);

    const study = await studyOf(files[0] as string);
    // A count over every instance of the study, computed by the query service through the pooler.
    const found = await run(
      'findscu',
      [
        '-v',
        '-S',
        ...peer,
        '-k',
        'QueryRetrieveLevel=STUDY',
        '-k',
        `StudyInstanceUID=${study}`,
        '-k',
        'NumberOfStudyRelatedInstances',
      ],
      { env: DCMTK_ENV },
    );
    const output = `${found.stdout}${found.stderr}`;
    expect(output).toMatch(/Received Final Find Response \(Success\)/);
    expect(/\(0020,1208\) IS \[(\d+) ?\]/.exec(output)?.[1]).toBe(String(OBJECTS));

    const out = join(work, 'got');
    await mkdir(out);
    await run(
      'getscu',
      ['-S', ...peer, '-od', out, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study}`],
      { env: DCMTK_ENV },
    );
    expect(await readdir(out)).toHaveLength(OBJECTS);

    for (const service of Object.values(topology.services)) {
      expect(await readFile(service.logFile, 'utf8'), service.name).not.toMatch(POOLER_REFUSALS);
    }
  });
});
