/**
 * `make bench` (query part): C-FIND latency at a million instances.
 *
 * dicomesh: an index of 1,000,000 instances (10,000 patients, 20,000 studies, 100,000 series) generated
 * straight into a real PostgreSQL (migrated first; every level's `attributes` as storage writes them,
 * checked), then `dicomesh all-in-one` on that database; Orthanc: loaded through its REST API for a
 * fixed time. For each, p50/p99 over one association of: study by PatientID, studies in a date range,
 * studies by wildcard patient name, series of a study, instances of a series (each with the required
 * keys of its level). Prints a table and writes JSON. Numbers to read, not a pass/fail test; the
 * target is p50 under 5 ms for study by PatientID on dicomesh.
 *
 * Environment:
 *   BENCH_QUICK=1             100,000 instances, fewer runs, 20 s of Orthanc loading
 *   BENCH_QUERY_RUNS=N        measured queries per row (default 300; 50 when quick), after N/10 warm-up
 *   BENCH_ORTHANC_SECONDS=S   Orthanc's loading budget (default 180; 20 when quick); 0 skips Orthanc
 *   BENCH_QUERY_DIR=dir       cache of the generated PostgreSQL cluster and results (default
 *                             $TMPDIR/dicomesh-bench-query); the cluster is reused while the generator
 *                             and the migrations are unchanged
 *
 * Run with Node 24 after `make build` (type stripping; the launcher runs from dist/).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createPgClient, MIGRATIONS, migrate } from '@dicomesh/archive';
import { freePort } from '../../support/free-port.ts';
import { type PostgresServer, startPostgres } from '../../support/postgres.ts';
import { FULL_SIZES, type IndexSizes, QUICK_SIZES } from './bench-model.ts';
import { type Endpoint, measureFind, type QueryLatency } from './find-latency.ts';
import { findQueries, type Population } from './find-queries.ts';
import { generateIndex, generatorStatements, verifyIndex } from './index-generator.ts';
import { ORTHANC_AE_TITLE, startOrthanc } from './orthanc.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
const QUICK = process.env.BENCH_QUICK === '1';
const SIZES: IndexSizes = QUICK ? QUICK_SIZES : FULL_SIZES;
const RUNS = Number.parseInt(process.env.BENCH_QUERY_RUNS ?? (QUICK ? '50' : '300'), 10);
const WARMUP = Math.max(5, Math.floor(RUNS / 10));
const ORTHANC_SECONDS = Number.parseInt(process.env.BENCH_ORTHANC_SECONDS ?? (QUICK ? '20' : '180'), 10);
const WORK = process.env.BENCH_QUERY_DIR ?? join(tmpdir(), 'dicomesh-bench-query');
const AE_TITLE = 'DICOMESH';
const READY_DEADLINE_MS = 60_000;
const POLL_MS = 100;
/** The target for study by PatientID on dicomesh. */
const TARGET_P50_MS = 5;

const run = promisify(execFile);

/**
 * Copies a cluster directory and gives it the owner of the directory it lands in (the postgres user when
 * we are root) and mode 0700, as PostgreSQL requires of its data directory.
 */
async function copyCluster(from: string, to: string): Promise<void> {
  await run('cp', ['-a', from, to]);
  const { uid, gid } = await stat(dirname(to));
  await run('chown', ['-R', `${uid}:${gid}`, to]);
  await chmod(to, 0o700);
}

const log = (message: string) => process.stderr.write(`[bench query] ${message}\n`);

/**
 * The cluster's cache key: what the generator writes, and the first schema (the tables it writes into).
 * Later migrations are applied to a cached cluster when it is restored, as an upgrade would.
 */
function cacheKey(sizes: IndexSizes): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(MIGRATIONS.filter((m) => m.version === 1)));
  hash.update(JSON.stringify(generatorStatements(sizes)));
  return hash.digest('hex').slice(0, 16);
}

/** A PostgreSQL holding the generated index: from the cache when there is one, else generated and cached. */
async function indexedPostgres(
  sizes: IndexSizes,
): Promise<{ postgres: PostgresServer; generatedMs?: number }> {
  const cache = join(WORK, `pg-${cacheKey(sizes)}`);
  const postgres = await startPostgres();
  if (existsSync(join(cache, 'PG_VERSION'))) {
    log(`reusing the generated cluster ${cache}`);
    await postgres.stop();
    await rm(postgres.dataDir, { recursive: true, force: true });
    await copyCluster(cache, postgres.dataDir);
    await postgres.start();
    const sql = createPgClient(postgres.url, { statementTimeoutMs: 3_600_000 });
    try {
      const applied = await migrate(sql);
      if (applied.length > 0) log(`migrated the cached cluster: ${applied.join(', ')}`);
      await sql.query('ANALYZE');
    } finally {
      await sql.close();
    }
    return { postgres };
  }
  const sql = createPgClient(postgres.url, { statementTimeoutMs: 3_600_000 });
  const started = performance.now();
  try {
    await migrate(sql);
    await generateIndex(sql, sizes, (label, ms) => log(`generated ${label} in ${(ms / 1000).toFixed(1)} s`));
    await verifyIndex(sql, sizes);
  } finally {
    await sql.close();
  }
  const generatedMs = performance.now() - started;
  await postgres.stop();
  mkdirSync(WORK, { recursive: true });
  const partial = `${cache}.partial`;
  await rm(partial, { recursive: true, force: true });
  await copyCluster(postgres.dataDir, partial);
  await rename(partial, cache);
  await postgres.start();
  return { postgres, generatedMs };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dicomesh exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`dicomesh not listening on ${port} within ${READY_DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function startDicomesh(databaseUrl: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'dicomesh-bench-query-data-'));
  const child = spawn(process.execPath, [LAUNCHER, 'all-in-one'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DICOMESH_DATABASE_URL: databaseUrl,
      DICOMESH_DICOM_PORT: String(port),
      DICOMESH_DICOM_HOST: '127.0.0.1',
      DICOMESH_AE_TITLE: AE_TITLE,
      DICOMESH_DATA_DIR: dataDir,
      DICOMESH_LOG_LEVEL: 'warn',
    },
  });
  await waitForPort(port, child);
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface TargetResult {
  readonly target: string;
  readonly instances: number;
  readonly studies: number;
  readonly series: number;
  readonly loadSeconds?: number;
  readonly latencies: readonly QueryLatency[];
}

function printTable(results: readonly TargetResult[]): void {
  const rows = [
    ['target', 'instances', 'query', 'p50 ms', 'p99 ms', 'mean ms', 'matches', 'failed', 'keys missing'],
  ];
  for (const r of results) {
    for (const l of r.latencies) {
      rows.push([
        r.target,
        String(r.instances),
        l.query,
        l.p50Ms.toFixed(2),
        l.p99Ms.toFixed(2),
        l.meanMs.toFixed(2),
        l.meanMatches.toFixed(1),
        String(l.failures),
        String(l.incompleteMatches),
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}

async function benchDicomesh(): Promise<TargetResult> {
  const { postgres, generatedMs } = await indexedPostgres(SIZES);
  try {
    const sql = createPgClient(postgres.url);
    try {
      await verifyIndex(sql, SIZES);
    } finally {
      await sql.close();
    }
    const dicomesh = await startDicomesh(postgres.url);
    try {
      const population: Population = { sizes: SIZES, studies: SIZES.studies, series: SIZES.series };
      const endpoint: Endpoint = { host: '127.0.0.1', port: dicomesh.port, aeTitle: AE_TITLE };
      log(`dicomesh: ${SIZES.instances} instances, ${RUNS} queries per row`);
      const latencies = await measureFind(endpoint, findQueries(population), { runs: RUNS, warmup: WARMUP });
      return {
        target: 'dicomesh (PostgreSQL)',
        instances: SIZES.instances,
        studies: SIZES.studies,
        series: SIZES.series,
        ...(generatedMs === undefined ? {} : { loadSeconds: generatedMs / 1000 }),
        latencies,
      };
    } finally {
      await dicomesh.stop();
    }
  } finally {
    await postgres.dispose();
  }
}

async function benchOrthanc(): Promise<TargetResult> {
  const orthanc = await startOrthanc();
  try {
    log(`Orthanc ${orthanc.version}: loading for ${ORTHANC_SECONDS} s`);
    const { stored, retries } = await orthanc.load(SIZES, ORTHANC_SECONDS * 1000, (n) =>
      log(`Orthanc: ${n} instances`),
    );
    if (retries > 0) log(`Orthanc: ${retries} uploads answered with an error and tried again`);
    const perSeries = SIZES.instances / SIZES.series;
    const perStudy = SIZES.series / SIZES.studies;
    const series = Math.floor(stored / perSeries);
    const studies = Math.floor(series / perStudy);
    if (studies === 0) throw new Error(`Orthanc stored ${stored} instances: not one whole study`);
    log(`Orthanc: ${stored} instances (${studies} whole studies), ${RUNS} queries per row`);
    const population: Population = { sizes: SIZES, studies, series };
    const endpoint: Endpoint = { host: '127.0.0.1', port: orthanc.dicomPort, aeTitle: ORTHANC_AE_TITLE };
    const latencies = await measureFind(endpoint, findQueries(population), { runs: RUNS, warmup: WARMUP });
    return {
      target: `Orthanc ${orthanc.version} (SQLite)`,
      instances: stored,
      studies,
      series,
      loadSeconds: ORTHANC_SECONDS,
      latencies,
    };
  } finally {
    await orthanc.dispose();
  }
}

async function main(): Promise<void> {
  const results: TargetResult[] = [await benchDicomesh()];
  if (ORTHANC_SECONDS > 0) {
    try {
      results.push(await benchOrthanc());
    } catch (error) {
      // dicomesh's numbers stand on their own: report Orthanc's failure rather than lose them.
      log(`Orthanc run failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
  printTable(results);
  const byPatientId = results[0]!.latencies[0]!;
  console.log(
    `\nstudy by PatientID on dicomesh: p50 ${byPatientId.p50Ms.toFixed(2)} ms (target < ${TARGET_P50_MS} ms: ${byPatientId.p50Ms < TARGET_P50_MS ? 'met' : 'NOT met'})`,
  );
  mkdirSync(WORK, { recursive: true });
  const out = join(WORK, QUICK ? 'results-quick.json' : 'results.json');
  writeFileSync(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), quick: QUICK, runs: RUNS, warmup: WARMUP, results }, null, 2)}\n`,
  );
  console.log(`results: ${out}`);
}

await main();
