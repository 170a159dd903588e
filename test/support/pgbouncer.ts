/**
 * Test helper: a real PgBouncer (Debian's binary) in front of a test PostgreSQL, on a free 127.0.0.1 port,
 * its configuration in a temp dir. It keeps PgBouncer's defaults, strict ones included: startup parameters
 * other than the few it tracks are refused. Database `dicomesh` maps to the server's. As root it runs as the
 * `postgres` user (PgBouncer refuses root), like postgres.ts. `dispose()` stops it and removes the temp dir.
 * Plain erasable TypeScript: Node 24 runs it directly, vitest too.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import type { PostgresServer } from './postgres.ts';

const run = promisify(execFile);
const PGBOUNCER = '/usr/sbin/pgbouncer';
const DATABASE = 'dicomesh';
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

export type PoolMode = 'session' | 'transaction' | 'statement';

export interface PgBouncerOptions {
  readonly poolMode: PoolMode;
  /** Server connections per database and user: fewer than the clients', so statements hop between them. */
  readonly poolSize: number;
}

export interface PgBouncer {
  /** postgres://postgres@127.0.0.1:PORT/dicomesh, through PgBouncer */
  readonly url: string;
  dispose(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function accepting(port: number): Promise<boolean> {
  try {
    await run('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-d', DATABASE, '-U', 'postgres']);
    return true;
  } catch {
    return false;
  }
}

export async function startPgBouncer(server: PostgresServer, options: PgBouncerOptions): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pgbouncer-'));
  // Readable by the postgres user when we are root; nothing secret in it (trust authentication).
  await chmod(dir, 0o755);
  const port = await freePort();
  const config = join(dir, 'pgbouncer.ini');
  await writeFile(
    config,
    [
      '[databases]',
      `${DATABASE} = host=127.0.0.1 port=${server.port} dbname=${DATABASE} user=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize}`,
      '',
    ].join('\n'),
  );
  await chmod(config, 0o644);
  const [command, args] =
    userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', PGBOUNCER, config]] : [PGBOUNCER, [config]];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4096);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    child.kill('SIGTERM'); // immediate shutdown (SIGINT waits for its clients)
    await exited(child);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepting(port))) {
    if (child.exitCode !== null)
      throw new Error(`PgBouncer exited (${child.exitCode}) before ready:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`PgBouncer not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
