/**
 * Fault: PostgreSQL stops. A C-STORE must be answered with a failure status (A700, with a comment)
 * within a bound, leave no blob behind, and the association must stay usable (C-ECHO, and a further
 * C-STORE answered); once PostgreSQL is back, stores succeed again, from our SCU and from DCMTK storescu.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DimseClient } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedBlobFiles, instanceCount, instanceRow } from '../support/archive-state.ts';
import { within } from '../support/poll.ts';
import { connectGateway, GATEWAY_AE_TITLE, smallObject, storeGenerated } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const run = promisify(execFile);
const MAKE_OBJECTS = resolve(import.meta.dirname, '../bench/make-objects.py');
/** The bound on an answer while the index is down (the requirement under test). */
const ANSWER_BOUND_MS = 15_000;
const OUT_OF_RESOURCES = 0xa700;
const STORESCU_OBJECTS = 5;

let topology: Topology;
let client: DimseClient | undefined;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dicomesh-faults-pg-'));
  topology = await startTopology({ env: { DICOMESH_DIMSE_TIMEOUT: '3s' } });
});

afterAll(async () => {
  if (client !== undefined && !client.association.ended) client.association.abort();
  await topology?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('PostgreSQL stopped', () => {
  it('a C-STORE is answered A700 with a comment within the bound, and the association stays usable', async () => {
    const { postgres, dataDir } = topology;
    client = await connectGateway(topology.dicomPort);
    expect((await storeGenerated(client, smallObject())).status).toBe(0);
    const blobsBefore = await committedBlobFiles(dataDir);

    await postgres.stop();
    for (const attempt of [1, 2]) {
      const object = smallObject();
      const answer = await within(
        `C-STORE ${attempt} with the index down`,
        ANSWER_BOUND_MS,
        storeGenerated(client, object),
      );
      expect(answer.status, JSON.stringify(answer)).toBe(OUT_OF_RESOURCES);
      expect(answer.errorComment ?? '').not.toBe('');
      expect(await client.echo()).toBe(0);
    }
    expect(client.association.ended).toBe(false);
    // The failed stores left no blob behind.
    expect(await committedBlobFiles(dataDir)).toEqual(blobsBefore);
  });

  it('after PostgreSQL is back, stores succeed on the same association and from DCMTK storescu', async () => {
    const { postgres, dicomPort } = topology;
    await postgres.start();
    const current = client ?? (await connectGateway(dicomPort));
    const object = smallObject();
    const answer = await storeGenerated(current, object);
    expect(answer, JSON.stringify(answer)).toMatchObject({ status: 0 });
    await current.association.release();
    expect(await instanceRow(postgres.url, object.sopInstanceUid)).toBeDefined();

    const before = await instanceCount(postgres.url);
    const files = join(work, 'storescu');
    await run('/usr/bin/python3', [MAKE_OBJECTS, files, String(STORESCU_OBJECTS), 'small']);
    const names = (await readdir(files)).map((name) => join(files, name));
    await run('storescu', ['-aec', GATEWAY_AE_TITLE, '127.0.0.1', String(dicomPort), ...names], {
      env: { ...process.env, TCP_NODELAY: '1' },
    });
    expect(await instanceCount(postgres.url)).toBe(before + STORESCU_OBJECTS);
  });
});
