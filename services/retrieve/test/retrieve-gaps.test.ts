/**
 * Retrieve's edges, end to end through the gateway on a real PostgreSQL: a blob that vanished fails its
 * sub-operation alone (C-GET and C-MOVE go on with the others), a slow move sends Pending responses at
 * least every second, and more than 65535 matches (rows generated in SQL) are refused before anything is
 * sent.
 */
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeIdentifier, generateUid } from '@dicomesh/dicom';
import {
  connectScu,
  type DimseClient,
  queryRetrieveContexts,
  storageContexts,
  storageScpRoles,
} from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_MS } from '../src/progress-stream.js';
import { MAX_SUB_OPERATIONS } from '../src/retrieve-status.js';
import { AE_TITLE, type Harness, startHarness, startTestDestination } from './support/retrieve-harness.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const PSQL = '/usr/lib/postgresql/15/bin/psql';
/** How long the slow destination takes per object: several progress intervals. */
const SLOW_STORE_MS = 2_500;
/** What the gateway, gRPC and a loaded machine may add to the retrieve service's one-second ticker. */
const TRANSPORT_SLACK_MS = 400;

function studyKey(studyUid: string) {
  return (ts: string) =>
    Buffer.from(encodeIdentifier({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: studyUid }, ts));
}

function scu(h: Harness, roles = false): Promise<DimseClient> {
  return connectScu({
    host: '127.0.0.1',
    port: h.port,
    callingAeTitle: 'GAPSSCU',
    calledAeTitle: AE_TITLE,
    contexts: [...queryRetrieveContexts(), ...(roles ? storageContexts([CT], [EXPLICIT_LE]) : [])],
    ...(roles ? { roles: storageScpRoles([CT]) } : {}),
  });
}

/** The blob file of a stored instance (`<study>/<series>/<sop>.<digest>.dcm`). */
async function blobOf(h: Harness, study: string, series: string, sop: string): Promise<string> {
  const dir = join(h.blobsDir, study, series);
  const name = (await readdir(dir)).find((f) => f.startsWith(`${sop}.`));
  if (name === undefined) throw new Error(`no blob for ${sop} in ${dir}`);
  return join(dir, name);
}

describe('retrieve edges', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ subOperationTimeoutMs: 10_000 });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a blob that vanished fails its sub-operation only, in C-GET and in C-MOVE (B000, the others sent)', async () => {
    const study = generateUid();
    const series = generateUid();
    const uids = await h.storeSeries('GAPS-1', study, series, 3);
    const gone = uids[1] as string;
    await rm(await blobOf(h, study, series, gone));

    const client = await scu(h, true);
    const got: string[] = [];
    const op = await client.get('study', studyKey(study), async (rq) => {
      for await (const _ of rq.dataset) {
        // received
      }
      got.push(rq.affectedSopInstanceUid);
      return { status: 0 };
    });
    const result = await op.result;
    await client.association.release();
    expect(result.status).toBe(0xb000);
    expect(result.counts).toMatchObject({ completed: 2, failed: 1, warning: 0 });
    expect(result.failedSopInstanceUids).toEqual([gone]);
    expect(got.sort()).toEqual(uids.filter((u) => u !== gone).sort());

    const destination = await startTestDestination('GAPSDEST', () => undefined);
    h.destinations.add('GAPSDEST', destination.port);
    try {
      const mover = await scu(h);
      const moved = await (await mover.move('study', 'GAPSDEST', studyKey(study))).result;
      await mover.association.release();
      expect(moved.status).toBe(0xb000);
      expect(moved.counts).toMatchObject({ completed: 2, failed: 1, warning: 0 });
      expect(moved.failedSopInstanceUids).toEqual([gone]);
      expect(destination.received.map((r) => r.sopInstanceUid).sort()).toEqual(
        uids.filter((u) => u !== gone).sort(),
      );
      // One association for the whole move: the missing blob did not break it.
      expect(destination.associations.length).toBe(1);
    } finally {
      await destination.close();
    }
  }, 60_000);

  it('a slow move sends a Pending response at least every second', async () => {
    const study = generateUid();
    const uids = await h.storeSeries('GAPS-2', study, generateUid(), 2);
    const destination = await startTestDestination(
      'SLOWDEST',
      () => new Promise<void>((resolve) => setTimeout(resolve, SLOW_STORE_MS)),
    );
    h.destinations.add('SLOWDEST', destination.port);
    try {
      const client = await scu(h);
      const started = Date.now();
      const op = await client.move('study', 'SLOWDEST', studyKey(study));
      const times: number[] = [started];
      for await (const _ of op) times.push(Date.now());
      const result = await op.result;
      times.push(Date.now());
      await client.association.release();
      expect(result.status).toBe(0);
      expect(result.counts).toMatchObject({ completed: uids.length, failed: 0 });
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      expect(Math.max(...gaps), JSON.stringify(gaps)).toBeLessThanOrEqual(
        PROGRESS_INTERVAL_MS + TRANSPORT_SLACK_MS,
      );
      // Two objects of 2.5 s each: at least four ticks besides the two per-object responses.
      expect(times.length - 2).toBeGreaterThanOrEqual(
        Math.floor((uids.length * SLOW_STORE_MS) / PROGRESS_INTERVAL_MS),
      );
    } finally {
      await destination.close();
    }
  }, 60_000);

  it('more than 65535 matches (generated in SQL) are refused with A701 before anything is sent', async () => {
    const study = generateUid();
    const series = generateUid();
    const matches = MAX_SUB_OPERATIONS + 1;
    const sql = `WITH p AS (INSERT INTO patients (patient_id) VALUES ('GAPS-MANY') RETURNING id),
st AS (INSERT INTO studies (study_instance_uid, patient_fk) SELECT '${study}', id FROM p RETURNING id),
se AS (INSERT INTO series (series_instance_uid, study_fk) SELECT '${series}', id FROM st RETURNING id)
INSERT INTO instances (sop_instance_uid, series_fk, sop_class_uid, instance_number, transfer_syntax_uid,
  blob_key, size, sha256, data_set_offset, source_ae_title)
SELECT '${series}.' || g, se.id, '${CT}', g, '${EXPLICIT_LE}', '${study}/${series}/${series}.' || g || '.0.dcm',
  1, '0', 0, 'GENERATED'
FROM se, generate_series(1, ${matches}) AS g`;
    await promisify(execFile)(PSQL, ['-v', 'ON_ERROR_STOP=1', '-q', '-d', h.databaseUrl, '-c', sql]);

    const destination = await startTestDestination('MANYDEST', () => undefined);
    h.destinations.add('MANYDEST', destination.port);
    try {
      const client = await scu(h, true);
      const moved = await (await client.move('study', 'MANYDEST', studyKey(study))).result;
      let stores = 0;
      const fetched = await (
        await client.get('study', studyKey(study), async () => {
          stores++;
          return { status: 0 };
        })
      ).result;
      await client.association.release();
      for (const refused of [moved, fetched]) {
        expect(refused.status).toBe(0xa701);
        expect(refused.errorComment).toMatch(/more than 65535/);
      }
      expect(destination.associations.length).toBe(0);
      expect(stores).toBe(0);
    } finally {
      await destination.close();
    }
  }, 120_000);
});
