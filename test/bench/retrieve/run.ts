/**
 * C-MOVE (and C-GET) benchmark (issue 5): 400 CT-size objects (512x512, 16-bit) of one study are stored into each
 * source, then moved (DCMTK movescu, Study Root, one C-MOVE of the study) to one DCMTK storescp, against
 * DCMTK storescu sending the same files to the same storescp, in one run. Sources: dicomesh's services
 * topology (real PostgreSQL and nats-server, each service its own process), dicomesh all-in-one (a child
 * process, PGlite), and Orthanc (Debian's binary, SQLite, loaded through its REST API). The storescp writes
 * to tmpfs when the machine has one (/dev/shm; see WHERE_RECEIVED), is emptied before every measurement, and
 * every object must arrive. Three untimed rounds of every sender come first (BENCH_WARM_UP): the sources are
 * long-running servers, measured warm, as a site runs them all day (all-in-one's CPU time per move of the
 * 400 objects fell from 0.53 s to 0.23 s over its first four moves, as V8 optimized the hot paths, and then
 * held). Reports objects/s, MB/s and the ratio to storescu (median of the runs, interleaved so a slow moment
 * of the machine is shared), prints a table and writes it as JSON. Each source also answers a C-GET of the study to DCMTK getscu (writing to tmpfs),
 * reported against the same storescu rate: the issue sets no target for it. Numbers to read, never a pass/fail test (not in `make test`).
 *
 * Environment:
 *   BENCH_QUICK=1     40 objects, one run (a smoke check of the bench itself)
 *   BENCH_RUNS=N      runs per source, the median counts (default 3; 1 when quick)
 *   BENCH_WARM_UP=N   untimed rounds before them (default 3; 0 when quick)
 *   BENCH_SOURCES=a,b among services, all-in-one, orthanc (default: all three)
 *   BENCH_DIR=dir     where objects are cached and results written (default: $TMPDIR/dicomesh-bench)
 *
 * Run with Node 24 after `make build` (type stripping; the launcher runs from dist/).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../support/free-port.ts';
import { startTopology } from '../../support/topology.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
const NODE = process.execPath;
const ORTHANC = '/usr/sbin/Orthanc';
/** DCMTK (and Orthanc's DCMTK stack) wait for delayed ACKs on this machine without it (DESIGN.md). */
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const READY_DEADLINE_MS = 30_000;
const POLL_MS = 100;
const ORTHANC_UPLOAD_CONCURRENCY = 4;
const ORTHANC_UPLOAD_ATTEMPTS = 5;
const ORTHANC_RETRY_MS = 200;

const DESTINATION_AE = 'STORESCP';
const MOVE_SCU_AE = 'BENCHMOVE';
const DICOMESH_AE = 'DICOMESH';
const ORTHANC_AE = 'ORTHANC';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number.parseInt(process.env.BENCH_RUNS ?? (QUICK ? '1' : '3'), 10);
const WARM_UP = Number.parseInt(process.env.BENCH_WARM_UP ?? (QUICK ? '0' : '3'), 10);
/**
 * The storescp's output goes to tmpfs when there is one: on ext4, creating a file right after the last
 * measurement's 400 were deleted costs far more kernel time (ext4 skips recently deleted inodes when it
 * allocates one, `recently_deleted` in `perf record -g`), which measured the filesystem, not the senders.
 */
const WHERE_RECEIVED = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const COUNT = QUICK ? 40 : 400;
const WORK = process.env.BENCH_DIR ?? join(tmpdir(), 'dicomesh-bench');
const RESULTS_FILE = join(WORK, 'retrieve-bench.json');

interface ToolResult {
  readonly code: number;
  readonly output: string;
}

function run(command: string, args: readonly string[]): Promise<ToolResult> {
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

/** The benchmark's CT objects, made once and cached under WORK (the same cache as test/bench/run.ts). */
async function corpusFiles(): Promise<{ files: string[]; bytes: number; studyUid: string }> {
  const dir = join(WORK, `objects-ct-${COUNT}`);
  if (!existsSync(join(dir, '.complete'))) {
    await rm(dir, { recursive: true, force: true });
    process.stdout.write(`making ${COUNT} CT objects in ${dir}\n`);
    const made = await run('/usr/bin/python3', [
      join(ROOT, 'test/bench/make-objects.py'),
      dir,
      String(COUNT),
      'ct',
    ]);
    if (made.code !== 0) throw new Error(`make-objects.py: ${made.output}`);
    writeFileSync(join(dir, '.complete'), '');
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => join(dir, f));
  const first = files[0];
  if (first === undefined) throw new Error(`no objects in ${dir}`);
  // make-objects.py writes one study: its UID from the first file.
  const dumped = await run('dcmdump', ['+P', '0020,000d', first]);
  const studyUid = /\[([0-9.]+)\]/.exec(dumped.output)?.[1];
  if (studyUid === undefined) throw new Error(`no Study Instance UID in ${first}: ${dumped.output}`);
  return { files, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0), studyUid };
}

/** A directory a DCMTK tool writes received objects into: emptied between measurements, its files counted. */
interface ReceivingDir {
  readonly dir: string;
  empty(): Promise<void>;
  received(): number;
}

function receivingDir(dir: string): ReceivingDir {
  return {
    dir,
    async empty() {
      await rm(dir, { recursive: true, force: true });
      mkdirSync(dir);
    },
    received: () => readdirSync(dir).filter((f) => !f.startsWith('.')).length,
  };
}

/** The one destination: DCMTK storescp on its own port, writing under its own temp dir. */
interface Destination extends Pick<ReceivingDir, 'empty' | 'received'> {
  readonly port: number;
  /** The storescp's CPU time so far (user + system, /proc; Linux's 100 ticks a second). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

async function startDestination(): Promise<Destination> {
  const dir = await mkdtemp(join(WHERE_RECEIVED, 'dicomesh-bench-storescp-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  const port = await freePort();
  const log = openSync(join(dir, 'storescp.log'), 'a');
  const child = spawn('storescp', ['-aet', DESTINATION_AE, '-od', out, String(port)], {
    env: DCMTK_ENV,
    stdio: ['ignore', log, log],
  });
  await untilEchoAnswers(port, DESTINATION_AE, child);
  const { empty, received } = receivingDir(out);
  return {
    port,
    empty,
    received,
    cpuSeconds: () => processCpuSeconds(child.pid as number),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process from /proc/<pid>/stat (fields 14 and 15, after the parenthesised name). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** A source holding the study, answering C-MOVE as `calledAe` on `port`. */
interface Source {
  readonly name: string;
  readonly calledAe: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function storeWithStorescu(calledAe: string, port: number, files: readonly string[]): Promise<void> {
  const stored = await run('storescu', ['-aec', calledAe, '127.0.0.1', String(port), ...files]);
  if (stored.code !== 0) throw new Error(`storescu -> ${calledAe}: ${stored.output.slice(-2000)}`);
}

function aeFileFor(dir: string, destinationPort: number): string {
  const file = join(dir, 'ae.yaml');
  writeFileSync(file, `- aeTitle: ${DESTINATION_AE}\n  host: 127.0.0.1\n  port: ${destinationPort}\n`);
  return file;
}

async function servicesSource(
  files: readonly string[],
  destinationPort: number,
  dir: string,
): Promise<Source> {
  const topology = await startTopology({ aeFile: aeFileFor(dir, destinationPort) });
  try {
    await untilEchoAnswers(topology.dicomPort, DICOMESH_AE);
    await storeWithStorescu(DICOMESH_AE, topology.dicomPort, files);
  } catch (error) {
    await topology.stop();
    throw error;
  }
  return {
    name: 'dicomesh services',
    calledAe: DICOMESH_AE,
    port: topology.dicomPort,
    stop: () => topology.stop(),
  };
}

async function allInOneSource(
  files: readonly string[],
  destinationPort: number,
  dir: string,
): Promise<Source> {
  const port = await freePort();
  const log = openSync(join(dir, 'all-in-one.log'), 'a');
  const child = spawn(NODE, [LAUNCHER, 'all-in-one'], {
    env: {
      ...process.env,
      DICOMESH_DICOM_PORT: String(port),
      DICOMESH_DICOM_HOST: '127.0.0.1',
      DICOMESH_DATA_DIR: join(dir, 'all-in-one'),
      DICOMESH_GRPC_PORT: '0',
      DICOMESH_METRICS_PORT: '0',
      DICOMESH_AE_FILE: aeFileFor(dir, destinationPort),
    },
    stdio: ['ignore', log, log],
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
  try {
    await untilEchoAnswers(port, DICOMESH_AE, child);
    await storeWithStorescu(DICOMESH_AE, port, files);
  } catch (error) {
    await stop();
    throw new Error(`all-in-one: ${String(error)}; see ${join(dir, 'all-in-one.log')}`);
  }
  return { name: 'dicomesh all-in-one', calledAe: DICOMESH_AE, port, stop };
}

async function orthancVersion(base: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${base}/system`);
    return response.ok ? String(((await response.json()) as { Version?: string }).Version) : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

/** Orthanc with a JSON config in a temp dir on free ports, the files loaded with POST /instances. */
async function orthancSource(
  files: readonly string[],
  destinationPort: number,
  dir: string,
): Promise<Source> {
  const home = join(dir, 'orthanc');
  mkdirSync(home);
  const httpPort = await freePort();
  const port = await freePort();
  const config = {
    Name: 'dicomesh-retrieve-bench',
    StorageDirectory: join(home, 'storage'),
    IndexDirectory: join(home, 'index'),
    HttpPort: httpPort,
    DicomPort: port,
    DicomAet: ORTHANC_AE,
    DicomCheckCalledAet: false,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowMove: true,
    DicomCheckModalityHost: false,
    DicomModalities: {
      storescp: [DESTINATION_AE, '127.0.0.1', destinationPort],
      benchmove: [MOVE_SCU_AE, '127.0.0.1', 1],
    },
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    StorageCompression: false,
    SaveJobs: false,
    Plugins: [],
  };
  const configFile = join(home, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const log = openSync(join(home, 'orthanc.log'), 'a');
  const child = spawn(ORTHANC, [configFile], { env: DCMTK_ENV, stdio: ['ignore', log, log] });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    const deadline = Date.now() + READY_DEADLINE_MS;
    let version = await orthancVersion(base);
    while (version === undefined) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('Orthanc did not start');
      await new Promise((r) => setTimeout(r, POLL_MS));
      version = await orthancVersion(base);
    }
    let next = 0;
    // Orthanc answers 500 now and then under concurrent uploads (its SQLite index busy): try again.
    const worker = async () => {
      for (let i = next++; i < files.length; i = next++) {
        const body = readFileSync(files[i] as string);
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${base}/instances`, { method: 'POST', body });
          const text = await response.text();
          if (response.ok) break;
          if (attempt >= ORTHANC_UPLOAD_ATTEMPTS)
            throw new Error(`Orthanc POST /instances: HTTP ${response.status} ${text.slice(0, 200)}`);
          await new Promise((r) => setTimeout(r, ORTHANC_RETRY_MS));
        }
      }
    };
    await Promise.all(Array.from({ length: ORTHANC_UPLOAD_CONCURRENCY }, worker));
    const stats = (await (await fetch(`${base}/statistics`)).json()) as { CountInstances: number };
    if (stats.CountInstances !== files.length)
      throw new Error(`Orthanc holds ${stats.CountInstances} of ${files.length} instances`);
    return { name: `Orthanc ${version}`, calledAe: ORTHANC_AE, port, stop };
  } catch (error) {
    await stop();
    throw new Error(`Orthanc: ${String(error)}; see ${join(home, 'orthanc.log')}`);
  }
}

type SourceStarter = (files: readonly string[], destinationPort: number, dir: string) => Promise<Source>;
const SOURCES: Readonly<Record<string, SourceStarter>> = {
  services: servicesSource,
  'all-in-one': allInOneSource,
  orthanc: orthancSource,
};

function selectedSources(): [string, SourceStarter][] {
  const names = (process.env.BENCH_SOURCES ?? Object.keys(SOURCES).join(',')).split(',').map((n) => n.trim());
  return names.map((name) => {
    const start = SOURCES[name];
    if (!start) throw new Error(`BENCH_SOURCES: unknown source ${name} (${Object.keys(SOURCES).join(', ')})`);
    return [name, start];
  });
}

/** Seconds from starting the sender until it exits, after checking every object arrived. */
async function timed(
  what: string,
  destination: Pick<ReceivingDir, 'empty' | 'received'>,
  expected: number,
  send: () => Promise<ToolResult>,
): Promise<number> {
  await destination.empty();
  const started = process.hrtime.bigint();
  const result = await send();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}): ${result.output.slice(-2000)}`);
  const received = destination.received();
  if (received !== expected) throw new Error(`${what}: ${received} of ${expected} objects arrived`);
  return seconds;
}

/** movescu or getscu asking `source` for the study (Study Root), with the tool's own options. */
function retrieveStudy(
  tool: 'movescu' | 'getscu',
  source: Source,
  studyUid: string,
  options: readonly string[],
): Promise<ToolResult> {
  return run(tool, [
    '-S',
    '-aet',
    MOVE_SCU_AE,
    '-aec',
    source.calledAe,
    ...options,
    '-k',
    'QueryRetrieveLevel=STUDY',
    '-k',
    `StudyInstanceUID=${studyUid}`,
    '127.0.0.1',
    String(source.port),
  ]);
}

/** C-MOVE of the study to the storescp. */
function moveStudy(source: Source, studyUid: string): Promise<ToolResult> {
  return retrieveStudy('movescu', source, studyUid, ['-aem', DESTINATION_AE]);
}

/** C-GET of the study into getscu, which writes each object as a file under `outDir`. */
function getStudy(source: Source, studyUid: string, outDir: string): Promise<ToolResult> {
  return retrieveStudy('getscu', source, studyUid, ['-od', outDir]);
}

/** Where getscu writes what a C-GET brings (tmpfs when there is one, as storescp's). */
async function getscuOutput(): Promise<ReceivingDir> {
  return receivingDir(await mkdtemp(join(WHERE_RECEIVED, 'dicomesh-bench-getscu-')));
}

/** The baseline sender's key among the receiver's CPU times. */
const BASELINE = 'storescu';

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Row {
  readonly sender: string;
  readonly objects: number;
  readonly bytes: number;
  readonly seconds: readonly number[];
  readonly medianSeconds: number;
  readonly objectsPerSecond: number;
  readonly mbPerSecond: number;
  /** objects/s over storescu -> storescp's in the same run. */
  readonly ratio: number;
  /** The storescp's CPU seconds in a run (median), for the senders into it. */
  readonly receiverCpuSeconds?: number;
}

function formatRow(r: Row): string {
  return `${r.sender.padEnd(40)} ${r.objectsPerSecond.toFixed(0).padStart(8)} ${r.mbPerSecond
    .toFixed(1)
    .padStart(8)} ${`${r.ratio.toFixed(2)}x`.padStart(7)} ${(r.receiverCpuSeconds?.toFixed(2) ?? '').padStart(
    12,
  )}   ${r.seconds.map((s) => s.toFixed(2)).join(' ')}`;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const { files, bytes, studyUid } = await corpusFiles();
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-bench-retrieve-'));
  const destination = await startDestination();
  const getscu = await getscuOutput();
  const sources: Source[] = [];
  try {
    for (const [name, start] of selectedSources()) {
      process.stdout.write(`storing ${files.length} objects into ${name}\n`);
      sources.push(await start(files, destination.port, dir));
    }
    const baseline: number[] = [];
    const times = new Map<Source, number[]>(sources.map((s) => [s, []]));
    const getTimes = new Map<Source, number[]>(sources.map((s) => [s, []]));
    /** The storescp's CPU seconds in each timed run, by sender: is a sender faster, or the receiver less busy? */
    const receiverCpu = new Map<string, number[]>(
      [BASELINE, ...sources.map((s) => s.name)].map((n) => [n, []]),
    );
    // Interleaved, so a slow moment of the machine is shared by every sender; the first WARM_UP rounds untimed.
    for (let i = -WARM_UP; i < RUNS; i++) {
      const cpuBefore = destination.cpuSeconds();
      const storescu = await timed('storescu -> storescp', destination, files.length, () =>
        run('storescu', ['-aec', DESTINATION_AE, '127.0.0.1', String(destination.port), ...files]),
      );
      if (i >= 0) baseline.push(storescu);
      if (i >= 0) receiverCpu.get(BASELINE)?.push(destination.cpuSeconds() - cpuBefore);
      for (const source of sources) {
        const moveCpuBefore = destination.cpuSeconds();
        const moved = await timed(`C-MOVE from ${source.name}`, destination, files.length, () =>
          moveStudy(source, studyUid),
        );
        if (i >= 0) times.get(source)?.push(moved);
        if (i >= 0) receiverCpu.get(source.name)?.push(destination.cpuSeconds() - moveCpuBefore);
        const got = await timed(`C-GET from ${source.name}`, getscu, files.length, () =>
          getStudy(source, studyUid, getscu.dir),
        );
        if (i >= 0) getTimes.get(source)?.push(got);
      }
    }

    const baselineRate = files.length / median(baseline);
    const row = (sender: string, seconds: number[], cpu?: number[]): Row => {
      const medianSeconds = median(seconds);
      const objectsPerSecond = files.length / medianSeconds;
      return {
        sender,
        objects: files.length,
        bytes,
        seconds,
        medianSeconds,
        objectsPerSecond,
        mbPerSecond: bytes / 1e6 / medianSeconds,
        ratio: objectsPerSecond / baselineRate,
        ...(cpu === undefined ? {} : { receiverCpuSeconds: median(cpu) }),
      };
    };
    const rows = [
      row('storescu -> storescp', baseline, receiverCpu.get(BASELINE)),
      ...sources.map((s) => row(`C-MOVE ${s.name} -> storescp`, times.get(s) ?? [], receiverCpu.get(s.name))),
      ...sources.map((s) => row(`C-GET ${s.name} -> getscu`, getTimes.get(s) ?? [])),
    ];
    process.stdout.write(
      `\n${files.length} CT objects (512x512x16) into DCMTK storescp on loopback, median of ${RUNS} after ${WARM_UP} untimed\n` +
        `${'sender'.padEnd(40)} ${'obj/s'.padStart(8)} ${'MB/s'.padStart(8)} ${'ratio'.padStart(7)} ${'storescp CPU'.padStart(12)}   seconds per run\n`,
    );
    for (const r of rows) process.stdout.write(`${formatRow(r)}\n`);
    writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, quick: QUICK, rows }, null, 2)}\n`,
    );
    process.stdout.write(`\nresults: ${RESULTS_FILE}\n`);
  } finally {
    for (const source of sources) await source.stop();
    await destination.stop();
    await rm(getscu.dir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
