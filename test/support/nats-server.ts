/**
 * Test helper: a real `nats-server -js` on a free 127.0.0.1 port, its JetStream store in a temp dir.
 * `stop()` then `start()` brings the same server back (same port, same store dir, so the stream and its
 * messages survive); `kill9()` simulates a crash; `dispose()` stops it and removes the temp dir.
 * Other packages' tests import it by relative path.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Graceful stop (SIGTERM); resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and store dir; resolves once it is ready for clients. */
  start(): Promise<void>;
  /** SIGKILL: a crash, the store is recovered on the next `start()`. */
  kill9(): Promise<void>;
  /** Stops the server and removes its temp dir. */
  dispose(): Promise<void>;
}

export interface StartNatsOptions {
  /** Deadline for the server to report ready (default 10 s). */
  readonly readyTimeoutMs?: number;
  /** More command-line options, e.g. `['--user', 'u', '--pass', 'p']`; `url` never carries credentials. */
  readonly args?: readonly string[];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-nats-'));
  const storeDir = join(dir, 'jetstream');
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      throw new Error(`nats-server on port ${port} is already running`);
    }
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir, ...(options.args ?? [])];
    const proc = spawn('nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`nats-server on port ${port}: not ready within ${readyTimeoutMs} ms:\n${output}`));
      }, readyTimeoutMs);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (output.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`nats-server on port ${port}: ${error.message}`, { cause: error }));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`nats-server on port ${port} exited (${code ?? signal}) before ready:\n${output}`));
      });
    });
    // Keep draining its output so a chatty server never blocks on a full pipe.
    proc.stdout?.resume();
    proc.stderr?.resume();
  };

  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(name);
    await exited(proc);
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start,
    stop: () => signal('SIGTERM'),
    kill9: () => signal('SIGKILL'),
    dispose: async () => {
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
