/**
 * How long one storeInstance transaction takes on PostgreSQL (real server, fsync on) and on PGlite (temp dir):
 * N stores of new instances into one series, then N duplicates, by C concurrent workers (1: sequential, as one
 * association sends). Runs the built package (tsc -b).
 *   node_modules/.bin/node libs/archive/test/tools/store-timing.ts [N] [C] [postgresql|pglite|both]
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../../../test/support/postgres.ts';
import {
  blobKeyFor,
  createArchiveIndex,
  createPgClient,
  createPgliteClient,
  type InstanceRecord,
  migrate,
  type SqlClient,
} from '../../dist/index.js';

const count = Number(process.argv[2] ?? 500);
const concurrency = Number(process.argv[3] ?? 1);
const only = process.argv[4] ?? 'both';
const study = `1.2.826.0.1.3680043.10.1234.${process.pid}.1`;
const series = `${study}.1`;

function record(i: number, run: string): InstanceRecord {
  const sopInstanceUid = `${series}.${run}.${i + 1}`;
  const sha256 = createHash('sha256').update(sopInstanceUid).digest('hex');
  return {
    patientId: 'TIMING',
    patientName: 'Timing^Test',
    studyInstanceUid: study,
    seriesInstanceUid: series,
    sopInstanceUid,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    modality: 'CT',
    instanceNumber: i + 1,
    attributes: { '00080060': { vr: 'CS', Value: ['CT'] } },
    blobKey: blobKeyFor({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid, sha256 }),
    size: 1000,
    sha256,
    dataSetOffset: 132,
    sourceAeTitle: 'TIMING',
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(name: string, client: SqlClient, run: string): Promise<void> {
  await migrate(client);
  const index = createArchiveIndex(client);
  const records = Array.from({ length: count }, (_, i) => record(i, run));
  const event = (r: InstanceRecord) => ({
    subject: 'dicomesh.v1.instance.stored',
    msgId: r.sopInstanceUid,
    payload: { sopInstanceUid: r.sopInstanceUid },
    headers: {},
  });
  for (const [phase, overwrite] of [
    ['new', false],
    ['duplicate', false],
  ] as const) {
    const times: number[] = [];
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const r = records[next++] as InstanceRecord;
        const t = performance.now();
        await index.storeInstance(r, event(r), { overwrite });
        times.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const total = performance.now() - started;
    times.sort((a, b) => a - b);
    console.log(
      `${name.padEnd(10)} ${phase.padEnd(9)} n=${count} c=${concurrency} p50=${percentile(times, 50).toFixed(2)} ms p95=${percentile(times, 95).toFixed(2)} ms rate=${((count / total) * 1000).toFixed(0)}/s`,
    );
  }
}

const server = await startPostgres();
const pgliteDir = await mkdtemp(join(tmpdir(), 'dicomesh-timing-'));
try {
  if (only !== 'pglite') {
    const pg = createPgClient(server.url);
    await measure('postgresql', pg, '1');
    await pg.close();
  }
  if (only !== 'postgresql') {
    const pglite = await createPgliteClient(pgliteDir);
    await measure('pglite', pglite, '2');
    await pglite.close();
  }
} finally {
  await server.dispose();
  await rm(pgliteDir, { recursive: true, force: true });
}
