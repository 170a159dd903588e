/**
 * The network core's benchmark (part of `make bench`): stores the same objects with DCMTK (storescu ->
 * storescp) and with our libraries alone (`dicomesh store` -> the library's SCP, test/bench/bench-scp.ts), in
 * one run, on loopback, with TCP_NODELAY, and reports objects/s, MB/s and the ratio to DCMTK. Neither side
 * fsyncs or indexes (run.ts measures the archive, which does). Each SCP is started once per corpus and warmed
 * up first (WARM_UP_ROUNDS), both write to tmpfs (RECEIVED), and `dicomesh store` proposes an asynchronous
 * operations window that the library's SCP agrees to (ASYNC_WINDOW). The median of RUNS runs (BENCH_RUNS,
 * default 5), interleaved, counts; the SCUs start cold in every run. Never a pass/fail test: numbers to read.
 * BENCH_QUICK=1: 200 small and 40 CT objects, one run, no warm-up.
 *
 * Run with Node 24 after `make build` (type stripping; workspace packages resolve to dist/).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, '.tmp/bench-library');
const QUICK = process.env.BENCH_QUICK === '1';
const NODE = process.execPath;
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const RUNS = Number.parseInt(process.env.BENCH_RUNS ?? (QUICK ? '1' : '5'), 10);
const READY_DEADLINE_MS = 20_000;
/**
 * The asynchronous operations window `dicomesh store` proposes (bench-scp.ts agrees to up to 16): the library's
 * SCU and SCP pipeline C-STOREs, as PS3.7 D.3.3.3 allows; DCMTK's storescu and storescp have no such window.
 */
const ASYNC_WINDOW = 16;
/**
 * Untimed passes over the corpus each side's SCU makes into its SCP before the timed runs (BENCH_WARM_UP_ROUNDS,
 * default 5; none when quick). An SCP is a long-running server, measured warm: the library's SCP took 415,
 * 408, 359, 340, 308 and 301 ms for six passes of the 400 CT-size objects after 200 objects, as V8 optimized
 * its hot paths, while storescp took 316-340 ms from the first. storescp gets the same passes.
 */
const WARM_UP_ROUNDS = Number.parseInt(process.env.BENCH_WARM_UP_ROUNDS ?? (QUICK ? '0' : '5'), 10);

interface Corpus {
  readonly name: string;
  readonly kind: 'small' | 'ct';
  readonly count: number;
}
const CORPORA: readonly Corpus[] = [
  { name: `${QUICK ? 200 : 2000} small objects`, kind: 'small', count: QUICK ? 200 : 2000 },
  { name: `${QUICK ? 40 : 400} CT-size objects (512x512, 16-bit)`, kind: 'ct', count: QUICK ? 40 : 400 },
];

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

async function untilEchoAnswers(port: number, calledAe: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if ((await run('echoscu', ['-aec', calledAe, '127.0.0.1', String(port)])).code === 0) return;
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`${calledAe} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function list(dir: string): { files: string[]; bytes: number } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => join(dir, f));
  return { files, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0) };
}

interface Side {
  readonly name: string;
  readonly calledAe: string;
  start(port: number, outDir: string): ChildProcess;
  send(port: number, files: readonly string[]): Promise<{ code: number; output: string }>;
}

const DCMTK: Side = {
  name: 'DCMTK storescu -> storescp',
  calledAe: 'STORESCP',
  start: (port, outDir) =>
    spawn('storescp', ['-aet', 'STORESCP', '-od', outDir, String(port)], { env: DCMTK_ENV, stdio: 'ignore' }),
  send: (port, files) => run('storescu', ['-aec', 'STORESCP', '127.0.0.1', String(port), ...files]),
};

const DICOMESH: Side = {
  name: 'dicomesh store -> library SCP',
  calledAe: 'BENCHSCP',
  start: (port, outDir) =>
    spawn(NODE, [join(ROOT, 'test/bench/bench-scp.ts'), outDir, String(port)], {
      env: DCMTK_ENV,
      stdio: 'ignore',
    }),
  send: (port, files) =>
    run(NODE, [
      join(ROOT, 'services/dicomesh/dist/main.js'),
      'store',
      '--async',
      String(ASYNC_WINDOW),
      '-aec',
      'BENCHSCP',
      '127.0.0.1',
      String(port),
      ...files,
    ]),
};

/**
 * Where the received files go: tmpfs when the machine has one. This benchmark measures the network core, and
 * on ext4 the cost of creating a file depends on what was deleted in the minutes before: it skips inodes
 * deleted recently when it allocates one (`recently_deleted`, seen with `perf record -g`), and with the
 * previous run's 2000 files just deleted, each file created cost up to 0.3 ms of kernel time, for whichever
 * side came next. Both sides write to the same place.
 */
const RECEIVED = existsSync('/dev/shm') ? '/dev/shm/dicomesh-bench-library' : join(WORK, 'received');
let measurements = 0;

/** An SCP started for one corpus, warmed up, emptied before every timed run. */
interface Receiver {
  readonly side: Side;
  readonly port: number;
  readonly outDir: string;
  readonly server: ChildProcess;
}

async function startReceiver(side: Side, files: readonly string[]): Promise<Receiver> {
  const outDir = join(RECEIVED, String(++measurements));
  mkdirSync(outDir, { recursive: true });
  const port = await freePort();
  const server = side.start(port, outDir);
  try {
    await untilEchoAnswers(port, side.calledAe, server);
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      const warm = await side.send(port, files);
      if (warm.code !== 0) throw new Error(`${side.name} warm-up failed: ${warm.output.slice(-2000)}`);
      emptyDir(outDir);
    }
  } catch (error) {
    server.kill('SIGTERM');
    throw error;
  }
  return { side, port, outDir, server };
}

function emptyDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** One timed run: every file stored, every one received. */
async function measure(receiver: Receiver, files: readonly string[]): Promise<number> {
  const { side, port, outDir } = receiver;
  emptyDir(outDir);
  const started = process.hrtime.bigint();
  const result = await side.send(port, files);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`${side.name} failed: ${result.output.slice(-2000)}`);
  const received = readdirSync(outDir).length;
  if (received !== files.length)
    throw new Error(`${side.name}: ${received} of ${files.length} objects received`);
  return seconds;
}

function stopReceiver(receiver: Receiver): void {
  receiver.server.kill('SIGTERM');
  rmSync(receiver.outDir, { recursive: true, force: true });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  rmSync(RECEIVED, { recursive: true, force: true });
  const report: Record<string, unknown>[] = [];
  const lines: string[] = [];
  for (const corpus of CORPORA) {
    const { files, bytes } = await corpusFiles(corpus);
    const rows = [];
    // Interleaved, so a slow moment of the machine is shared by both sides.
    const times = new Map<Side, number[]>([
      [DCMTK, []],
      [DICOMESH, []],
    ]);
    const receivers = [await startReceiver(DCMTK, files), await startReceiver(DICOMESH, files)];
    try {
      for (let i = 0; i < RUNS; i++) {
        for (const receiver of receivers) times.get(receiver.side)?.push(await measure(receiver, files));
      }
    } finally {
      for (const receiver of receivers) stopReceiver(receiver);
    }
    for (const side of [DCMTK, DICOMESH]) {
      const seconds = median(times.get(side) ?? []);
      rows.push({
        side: side.name,
        seconds,
        objectsPerSecond: files.length / seconds,
        mbPerSecond: bytes / 1e6 / seconds,
      });
    }
    const [dcmtk, ours] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const ratio = ours.objectsPerSecond / dcmtk.objectsPerSecond;
    report.push({ corpus: corpus.name, objects: files.length, bytes, rows, ratio });
    lines.push(`\n${corpus.name}, one association, median of ${RUNS} after ${WARM_UP_ROUNDS} untimed:`);
    for (const r of rows) {
      lines.push(
        `  ${r.side.padEnd(32)} ${r.objectsPerSecond.toFixed(0).padStart(6)} objects/s ${r.mbPerSecond.toFixed(1).padStart(7)} MB/s  (${r.seconds.toFixed(2)} s)`,
      );
    }
    lines.push(`  ratio dicomesh / DCMTK: ${ratio.toFixed(2)}x`);
  }
  writeFileSync(join(WORK, 'store-bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${lines.join('\n')}\n\nresults: ${join(WORK, 'store-bench.json')}\n`);
}

async function corpusFiles(corpus: Corpus): Promise<{ files: string[]; bytes: number }> {
  const dir = join(WORK, `objects-${corpus.kind}-${corpus.count}`);
  if (!existsSync(join(dir, '.complete'))) {
    rmSync(dir, { recursive: true, force: true });
    const made = await run('/usr/bin/python3', [
      join(ROOT, 'test/bench/make-objects.py'),
      dir,
      String(corpus.count),
      corpus.kind,
    ]);
    if (made.code !== 0) throw new Error(`making ${corpus.name}: ${made.output}`);
    writeFileSync(join(dir, '.complete'), '');
  }
  return list(dir);
}

await main();
