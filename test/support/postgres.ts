/**
 * Test helper: a real PostgreSQL server (Debian's binaries) on a free 127.0.0.1 port, its cluster in a
 * temp dir, trust authentication, database `dicomesh`. `stop()` then `start()` brings the same cluster back
 * on the same port; `kill9()` is a crash; `dispose()` stops it and removes the temp dir. PostgreSQL refuses
 * to run as root, so as root every command runs as the `postgres` user (runuser), which owns the temp dir.
 * Plain erasable TypeScript: Node 24 runs it directly, vitest too.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const DATABASE = 'dicomesh';
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

/** The previous (killed) server's processes still hold its shared memory. */
class SharedMemoryInUseError extends Error {
  override readonly name = 'SharedMemoryInUseError';
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/dicomesh */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Fast shutdown (SIGINT); resolves once the server has exited. */
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port; resolves once it accepts queries. */
  start(): Promise<void>;
  /** SIGKILL of the postmaster: a crash, recovered on the next `start()`. (Never SIGSTOP it: as root, runuser stops too.) */
  kill9(): Promise<void>;
  /** Stops the server and removes its temp dir. */
  dispose(): Promise<void>;
}

async function binDir(): Promise<string> {
  const versions = (await readdir(POSTGRES_ROOT))
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined)
    throw new Error(`no PostgreSQL under ${POSTGRES_ROOT}: run test/tools/install-system-deps.sh`);
  return join(POSTGRES_ROOT, versions[0], 'bin');
}

const asRoot = userInfo().uid === 0;

/** The command line, as the postgres user when we are root. */
function asServerUser(command: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pg-'));
  const dataDir = join(dir, 'cluster');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  const port = await freePort();
  const [initdb, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  await run(initdb, initArgs);
  let child: ChildProcess | undefined;
  let output = '';

  const accepting = async (): Promise<boolean> => {
    try {
      await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres']);
      return true;
    } catch {
      return false;
    }
  };

  /**
   * Starts the server; after a kill -9 the killed postmaster's backends may still hold its shared memory for
   * a moment ("pre-existing shared memory block is still in use"), so that refusal is retried until the deadline.
   */
  const start = async (): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      try {
        await startOnce(deadline);
        return;
      } catch (error) {
        if (!(error instanceof SharedMemoryInUseError) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
  };

  const startOnce = async (deadline: number): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      throw new Error(`PostgreSQL on port ${port} is already running`);
    }
    const [postgres, args] = asServerUser(join(bin, 'postgres'), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=on',
      '-c',
      'max_connections=100',
      '-c',
      'log_min_messages=warning',
    ]);
    const proc = spawn(postgres, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4096);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    while (!(await accepting())) {
      if (proc.exitCode !== null) {
        if (output.includes('pre-existing shared memory block')) throw new SharedMemoryInUseError(output);
        throw new Error(`PostgreSQL exited (${proc.exitCode}) before ready:\n${output}`);
      }
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  /** Signals the postmaster itself (runuser forwards signals to its child and exits with it). */
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    if (asRoot) {
      const pid = await postmasterPid();
      if (pid !== undefined) process.kill(pid, name);
      else proc.kill(name);
    } else {
      proc.kill(name);
    }
    await exited(proc);
  };

  const postmasterPid = async (): Promise<number | undefined> => {
    try {
      const { stdout } = await run('cat', [join(dataDir, 'postmaster.pid')]);
      const pid = Number(stdout.split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };

  await start();
  const [createdb, createArgs] = asServerUser(join(bin, 'createdb'), [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    DATABASE,
  ]);
  await run(createdb, createArgs);

  return {
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    port,
    dataDir,
    start,
    stop: () => signal('SIGINT'),
    kill9: () => signal('SIGKILL'),
    dispose: async () => {
      await signal('SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
