/**
 * `make bench`: DCMTK storescu into dicomesh (all-in-one, and the services topology with real PostgreSQL
 * and nats-server) against storescu into DCMTK storescp, with the same files in the same run:
 * {2000 small objects, 400 CT-size objects (512x512, 16-bit)} x {one association, 4 concurrent
 * associations (the files split over 4 storescu processes)}. Reports objects/s, MB/s, the ratio to
 * storescp, and the receiver's CPU time per object (every process it runs, PostgreSQL and nats-server
 * included: robust where wall time is noisy), prints a table and writes it as JSON. Every receiver starts
 * fresh (empty directory) for every measurement, and every object must arrive. Numbers to read, never a
 * pass/fail test (not in `make test`).
 *
 * Environment:
 *   BENCH_QUICK=1              200 small and 40 CT objects, one run (a smoke check of the bench itself)
 *   BENCH_RUNS=N               runs per cell, the median counts (default 3; 1 when quick)
 *   BENCH_TARGETS=a,b          among storescp, all-in-one, services, floor, library-scp, gateway (default:
 *                              the first four). floor is no receiver: the same objects written durably one
 *                              at a time by this process, in the one-association cells (durable-write-floor.ts),
 *                              the most the design's file-per-object path could reach here, before the network,
 *                              parsing and the index.
 *                              Diagnostics: library-scp is our UL and DIMSE alone, writing like storescp;
 *                              gateway is `dicomesh gateway` with a storage backend that reads and discards
 *                              (discard-backends.ts): the gateway and gRPC alone.
 *   BENCH_CASES=small-1,ct-4   only these cells (corpus-associations)
 *   BENCH_DIR=dir              where objects are cached and results written (default: $TMPDIR/dicomesh-bench)
 *   BENCH_CPU_PROF=dir         run dicomesh's processes under `node --cpu-prof`, profiles in dir (summarise
 *                              them with profile-summary.ts)
 *
 * Run with Node 24 after `make build` (type stripping; the launcher runs from dist/).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port.ts';
import { startTopology } from '../support/topology.ts';
import { measureDurableWriteFloor } from './durable-write-floor.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
const NODE = process.execPath;
/** DCMTK waits for delayed ACKs on this machine without it (DESIGN.md). */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const READY_DEADLINE_MS = 30_000;
const POLL_MS = 100;
const CONCURRENT_ASSOCIATIONS = 4;

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number.parseInt(process.env.BENCH_RUNS ?? (QUICK ? '1' : '3'), 10);
const WORK = process.env.BENCH_DIR ?? join(tmpdir(), 'dicomesh-bench');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;

interface Corpus {
  readonly kind: 'small' | 'ct';
  readonly count: number;
  readonly label: string;
}
const CORPORA: readonly Corpus[] = [
  { kind: 'small', count: QUICK ? 200 : 2000, label: 'small objects' },
  { kind: 'ct', count: QUICK ? 40 : 400, label: 'CT 512x512x16' },
];
const ASSOCIATIONS: readonly number[] = [1, CONCURRENT_ASSOCIATIONS];

/** A receiver started fresh for one measurement. */
interface Running {
  readonly port: number;
  /** Objects it holds now (files under its storage directory). */
  stored(): number | Promise<number>;
  stop(): Promise<void>;
}

interface Target {
  readonly name: string;
  readonly calledAe: string;
  start(): Promise<Running>;
}

const cpuProfFlags = (): string[] => (CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []);

function run(command: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env: DCMTK_ENV });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => done({ code: code ?? -1, output }));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

async function untilEchoAnswers(port: number, calledAe: string, server?: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if ((await run('echoscu', ['-aec', calledAe, '127.0.0.1', String(port)])).code === 0) return;
    if (server?.exitCode != null || Date.now() > deadline) throw new Error(`${calledAe} did not start`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Files under dir, recursively, skipping dot entries (temporary files) and logs. */
function countObjects(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name.endsWith('.log')) continue;
    if (entry.isDirectory()) n += countObjects(join(dir, entry.name));
    else if (entry.isFile()) n++;
  }
  return n;
}

/** A child process whose data lives in a fresh temp dir, removed on stop. */
async function childTarget(
  calledAe: string,
  spawnIt: (port: number, dir: string, log: number) => ChildProcess,
  storedIn: (dir: string) => string,
  parent = tmpdir(),
): Promise<Running> {
  const dir = await mkdtemp(join(parent, 'dicomesh-bench-run-'));
  const port = await freePort();
  const log = openSync(join(dir, 'receiver.log'), 'a');
  const child = spawnIt(port, dir, log);
  try {
    await untilEchoAnswers(port, calledAe, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${calledAe}: ${String(error)}; see ${join(dir, 'receiver.log')}`);
  }
  return {
    port,
    stored: () => countObjects(storedIn(dir)),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * storescp writes to tmpfs when the machine has one. It neither fsyncs nor indexes, so its files live in the
 * page cache anyway, and on ext4 its rate followed what the previous receiver had just deleted: creating a
 * file right after thousands were removed costs far more kernel time (ext4 skips recently deleted inodes,
 * `recently_deleted` in `perf record -g`); storescp's CT rate went from about 1300 to 657 objects/s. On
 * tmpfs the baseline is as fast as it gets, and the ratios are the conservative ones.
 */
const STORESCP_PARENT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

const STORESCP: Target = {
  name: 'storescp',
  calledAe: 'STORESCP',
  start: () =>
    childTarget(
      'STORESCP',
      (port, dir, log) => {
        mkdirSync(join(dir, 'out'));
        return spawn('storescp', ['-aet', 'STORESCP', '-od', join(dir, 'out'), String(port)], {
          env: DCMTK_ENV,
          stdio: ['ignore', log, log],
        });
      },
      (dir) => join(dir, 'out'),
      STORESCP_PARENT,
    ),
};

const ALL_IN_ONE: Target = {
  name: 'dicomesh all-in-one',
  calledAe: 'DICOMESH',
  start: () =>
    childTarget(
      'DICOMESH',
      (port, dir, log) =>
        spawn(NODE, [...cpuProfFlags(), LAUNCHER, 'all-in-one'], {
          env: {
            ...process.env,
            DICOMESH_DICOM_PORT: String(port),
            DICOMESH_DICOM_HOST: '127.0.0.1',
            DICOMESH_DATA_DIR: join(dir, 'data'),
            DICOMESH_GRPC_PORT: '0',
            DICOMESH_METRICS_PORT: '0',
          },
          stdio: ['ignore', log, log],
        }),
      (dir) => join(dir, 'data', 'blobs'),
    ),
};

const SERVICES: Target = {
  name: 'dicomesh services',
  calledAe: 'DICOMESH',
  async start() {
    const topology = await startTopology(
      CPU_PROF_DIR ? { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` } } : {},
    );
    await untilEchoAnswers(topology.dicomPort, 'DICOMESH');
    return {
      port: topology.dicomPort,
      stored: () => countObjects(join(topology.dataDir, 'blobs')),
      stop: () => topology.stop(),
    };
  },
};

const LIBRARY_SCP: Target = {
  name: 'library SCP (no fsync/index)',
  calledAe: 'BENCHSCP',
  start: () =>
    childTarget(
      'BENCHSCP',
      (port, dir, log) => {
        mkdirSync(join(dir, 'out'));
        const script = join(ROOT, 'test/bench/bench-scp.ts');
        return spawn(NODE, [...cpuProfFlags(), script, join(dir, 'out'), String(port)], {
          env: DCMTK_ENV,
          stdio: ['ignore', log, log],
        });
      },
      (dir) => join(dir, 'out'),
      STORESCP_PARENT,
    ),
};

/** A line matching `pattern` on the child's stdout (its first group), or a failure when it exits first. */
function lineFrom(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((done, fail) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        done(match[1] as string);
      }
    };
    const onExit = () => fail(new Error(`exited before printing ${pattern}: ${text}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

const GATEWAY: Target = {
  name: 'gateway, discarding storage',
  calledAe: 'DICOMESH',
  async start() {
    const dir = await mkdtemp(join(tmpdir(), 'dicomesh-bench-run-'));
    const log = openSync(join(dir, 'receiver.log'), 'a');
    const backends = spawn(NODE, [...cpuProfFlags(), join(ROOT, 'test/bench/discard-backends.ts')], {
      env: process.env,
      stdio: ['ignore', 'pipe', log],
    });
    const [verificationPort, storagePort] = (await lineFrom(backends, /ports (\d+ \d+)\n/)).split(' ');
    const port = await freePort();
    const gateway = spawn(NODE, [...cpuProfFlags(), LAUNCHER, 'gateway'], {
      env: {
        ...process.env,
        DICOMESH_DICOM_PORT: String(port),
        DICOMESH_DICOM_HOST: '127.0.0.1',
        DICOMESH_GRPC_PORT: String(await freePort()),
        DICOMESH_METRICS_PORT: '0',
        DICOMESH_VERIFICATION_URL: `127.0.0.1:${verificationPort}`,
        DICOMESH_STORAGE_URL: `127.0.0.1:${storagePort}`,
      },
      stdio: ['ignore', log, log],
    });
    await untilEchoAnswers(port, 'DICOMESH', gateway);
    return {
      port,
      async stored() {
        const count = lineFrom(backends, /stored (\d+)\n/);
        backends.kill('SIGUSR2');
        return Number(await count);
      },
      async stop() {
        for (const child of [gateway, backends]) {
          child.kill('SIGTERM');
          await exited(child);
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const TARGETS: Readonly<Record<string, Target>> = {
  storescp: STORESCP,
  'all-in-one': ALL_IN_ONE,
  services: SERVICES,
  'library-scp': LIBRARY_SCP,
  gateway: GATEWAY,
};

/** BENCH_TARGETS' name for the durable-write floor: measured in this process, not a receiver storescu sends to. */
const FLOOR = 'floor';
const FLOOR_LABEL = 'durable write floor (fs only)';

const selectedNames = (): string[] =>
  (process.env.BENCH_TARGETS ?? `storescp,all-in-one,services,${FLOOR}`)
    .split(',')
    .map((name) => name.trim());

function selectedTargets(): Target[] {
  return selectedNames()
    .filter((name) => name !== FLOOR)
    .map((name) => {
      const target = TARGETS[name];
      if (!target)
        throw new Error(
          `BENCH_TARGETS: unknown target ${name} (${[...Object.keys(TARGETS), FLOOR].join(', ')})`,
        );
      return target;
    });
}

const CLOCK_TICKS_PER_SECOND = 100;
const SENDERS = new Set(['storescu', 'echoscu']);

/** The part of the receiver a process is, for the CPU breakdown: its service name, or its command. */
function processRole(pid: string, command: string): string {
  if (command !== 'node' && command !== 'MainThread') return command === 'postgres' ? 'postgres' : command;
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return command;
  }
  const launched = args.findIndex((a) => a.endsWith('main.js'));
  if (launched >= 0) return args[launched + 1] ?? 'dicomesh';
  const script = args.find((a) => a.endsWith('.ts'));
  return script ? (script.split('/').pop() as string) : command;
}

/**
 * CPU seconds (user + system) used so far by every process descending from this one except the senders
 * (the receiver's processes, with PostgreSQL's and nats-server's for the services topology), by role.
 */
function receiverCpuSeconds(): Map<string, number> {
  const parent = new Map<number, number>();
  const ticks = new Map<number, { role: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const pid = Number(entry);
    parent.set(pid, Number(fields[1]));
    if (!SENDERS.has(command)) {
      ticks.set(pid, { role: processRole(entry, command), ticks: Number(fields[11]) + Number(fields[12]) });
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) return true;
    }
    return false;
  };
  const byRole = new Map<string, number>();
  for (const [pid, t] of ticks) {
    if (descends(pid)) byRole.set(t.role, (byRole.get(t.role) ?? 0) + t.ticks / CLOCK_TICKS_PER_SECOND);
  }
  return byRole;
}

/** CPU seconds by role used between two readings (a role that appeared meanwhile counts from zero). */
function cpuSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const used = new Map<string, number>();
  for (const [role, seconds] of after) used.set(role, seconds - (before.get(role) ?? 0));
  return used;
}

const sum = (values: Iterable<number>): number => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/** Splits files into n contiguous parts of nearly equal size. */
function split<T>(items: readonly T[], n: number): T[][] {
  const size = Math.ceil(items.length / n);
  return Array.from({ length: n }, (_, i) => items.slice(i * size, (i + 1) * size)).filter((p) => p.length);
}

interface Measurement {
  /** From starting the storescu processes until the last one exits. */
  readonly seconds: number;
  /** CPU the receiver's processes used meanwhile. */
  readonly cpuSeconds: number;
  /** The same by role (gateway, storage, postgres, nats-server, all-in-one...). */
  readonly cpuByRole: ReadonlyMap<string, number>;
}

async function measure(target: Target, files: readonly string[], associations: number): Promise<Measurement> {
  const receiver = await target.start();
  try {
    const cpuBefore = receiverCpuSeconds();
    const started = process.hrtime.bigint();
    const results = await Promise.all(
      split(files, associations).map((part) =>
        run('storescu', ['-aec', target.calledAe, '127.0.0.1', String(receiver.port), ...part]),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuByRole = cpuSince(cpuBefore, receiverCpuSeconds());
    for (const r of results) {
      if (r.code !== 0) throw new Error(`storescu -> ${target.name} failed: ${r.output.slice(-2000)}`);
    }
    const stored = await receiver.stored();
    if (stored !== files.length) {
      throw new Error(`storescu -> ${target.name}: ${stored} of ${files.length} objects stored`);
    }
    return { seconds, cpuSeconds: sum(cpuByRole.values()), cpuByRole };
  } finally {
    await receiver.stop();
  }
}

async function corpusFiles(corpus: Corpus): Promise<{ files: string[]; bytes: number }> {
  const dir = join(WORK, `objects-${corpus.kind}-${corpus.count}`);
  if (!existsSync(join(dir, '.complete'))) {
    await rm(dir, { recursive: true, force: true });
    process.stdout.write(`making ${corpus.count} ${corpus.label} in ${dir}\n`);
    const made = await run('/usr/bin/python3', [
      join(ROOT, 'test/bench/make-objects.py'),
      dir,
      String(corpus.count),
      corpus.kind,
    ]);
    if (made.code !== 0) throw new Error(`making ${corpus.label}: ${made.output}`);
    writeFileSync(join(dir, '.complete'), '');
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => join(dir, f));
  return { files, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0) };
}

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Row {
  readonly corpus: string;
  readonly objects: number;
  readonly bytes: number;
  readonly associations: number;
  readonly target: string;
  readonly seconds: readonly number[];
  readonly medianSeconds: number;
  readonly objectsPerSecond: number;
  readonly mbPerSecond: number;
  /** The receiver's CPU time per object (all its processes; median over runs), in ms. */
  readonly cpuMsPerObject: number;
  /** The same by role (gateway, storage, postgres...), each the median over runs, in ms. */
  readonly cpuMsPerObjectByRole: Readonly<Record<string, number>>;
  /** objects/s over storescp's in the same cell (undefined when storescp was not measured). */
  readonly ratio: number | undefined;
}

function formatRow(r: Row): string {
  const cell = `${r.objects} ${r.corpus}, ${r.associations} assoc`.padEnd(30);
  const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`;
  return `${cell} ${r.target.padEnd(30)} ${r.objectsPerSecond.toFixed(0).padStart(8)} ${r.mbPerSecond
    .toFixed(1)
    .padStart(8)} ${ratio.padStart(7)} ${r.cpuMsPerObject.toFixed(2).padStart(9)}   ${r.seconds
    .map((s) => s.toFixed(2))
    .join(' ')}   ${Object.entries(r.cpuMsPerObjectByRole)
    .filter(([, ms]) => ms >= 0.01)
    .map(([role, ms]) => `${role} ${ms.toFixed(2)}`)
    .join(', ')}`;
}

const RESULTS_FILE = join(WORK, 'store-bench.json');

function writeResults(rows: readonly Row[]): void {
  const results = { date: new Date().toISOString(), runs: RUNS, quick: QUICK, rows };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const targets = selectedTargets();
  const withFloor = selectedNames().includes(FLOOR);
  const cases = process.env.BENCH_CASES?.split(',').map((c) => c.trim());
  const rows: Row[] = [];
  const header = `${'cell'.padEnd(30)} ${'receiver'.padEnd(30)} ${'obj/s'.padStart(8)} ${'MB/s'.padStart(8)} ${'ratio'.padStart(7)} ${'cpu ms/obj'.padStart(9)}   seconds per run   cpu ms/obj by process`;
  process.stdout.write(`storescu into each receiver on loopback, median of ${RUNS}\n${header}\n`);
  for (const corpus of CORPORA) {
    const { files, bytes } = await corpusFiles(corpus);
    for (const associations of ASSOCIATIONS) {
      if (cases && !cases.includes(`${corpus.kind}-${associations}`)) continue;
      // Runs by receiver name, in the order they were first measured.
      const runs = new Map<string, Measurement[]>();
      const record = (name: string, m: Measurement) => runs.set(name, [...(runs.get(name) ?? []), m]);
      // Interleaved, so a slow moment of the machine is shared by every receiver.
      for (let i = 0; i < RUNS; i++) {
        for (const target of targets) record(target.name, await measure(target, files, associations));
        // One object at a time is what one association imposes; with four, writes overlap and one loop's
        // floor would not be theirs.
        if (withFloor && associations === 1) {
          const floor = await measureDurableWriteFloor(files, tmpdir());
          record(FLOOR_LABEL, { ...floor, cpuByRole: new Map([['bench', floor.cpuSeconds]]) });
        }
      }
      const baseline = runs.get(STORESCP.name);
      const baselineRate = baseline ? files.length / median(baseline.map((m) => m.seconds)) : undefined;
      for (const [name, measured] of runs) {
        const seconds = measured.map((m) => m.seconds);
        const medianSeconds = median(seconds);
        const objectsPerSecond = files.length / medianSeconds;
        const row: Row = {
          corpus: corpus.label,
          objects: files.length,
          bytes,
          associations,
          target: name,
          seconds,
          medianSeconds,
          objectsPerSecond,
          mbPerSecond: bytes / 1e6 / medianSeconds,
          cpuMsPerObject: (median(measured.map((m) => m.cpuSeconds)) * 1000) / files.length,
          cpuMsPerObjectByRole: Object.fromEntries(
            [...new Set(measured.flatMap((m) => [...m.cpuByRole.keys()]))].map((role) => [
              role,
              (median(measured.map((m) => m.cpuByRole.get(role) ?? 0)) * 1000) / files.length,
            ]),
          ),
          ratio: baselineRate === undefined ? undefined : objectsPerSecond / baselineRate,
        };
        rows.push(row);
        process.stdout.write(`${formatRow(row)}\n`);
        writeResults(rows); // after every row: an interrupted run keeps what it measured
      }
    }
  }
  process.stdout.write(`\nresults: ${RESULTS_FILE}\n`);
}

await main();
