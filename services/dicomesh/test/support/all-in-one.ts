/**
 * `dicomesh all-in-one` (the built launcher) as a child process on free ports, with its state in a temp dir
 * (PGlite, in-process bus) and the environment a test adds; ready once DCMTK echoscu is answered.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort, run } from '../../../../libs/dimse/test/support/dcmtk.js';
import { LAUNCHER, NODE } from './run-tool.js';

/** The all-in-one's AE title. */
export const ALL_IN_ONE_AE_TITLE = 'DICOMESH';
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
const EXIT_TIMEOUT_MS = 30_000;

export interface AllInOne {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts it with `env` on top of the defaults (DICOMESH_* variables of the caller are not inherited). */
export async function startAllInOne(
  dataDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<AllInOne> {
  const port = await freePort();
  // Nothing of the caller's DICOMESH_* environment (a database or NATS URL) leaks into the process.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DICOMESH_')),
  );
  const child = spawn(NODE, [LAUNCHER, 'all-in-one'], {
    env: {
      ...inherited,
      DICOMESH_AE_TITLE: ALL_IN_ONE_AE_TITLE,
      DICOMESH_DICOM_HOST: '127.0.0.1',
      DICOMESH_DICOM_PORT: String(port),
      DICOMESH_GRPC_PORT: '0',
      DICOMESH_METRICS_PORT: '0',
      DICOMESH_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`all-in-one exited ${child.exitCode}: ${output}`);
    const echo = await run('echoscu', ['-aec', ALL_IN_ONE_AE_TITLE, '127.0.0.1', String(port)], {
      timeoutMs: 5_000,
    });
    if (echo.code === 0) break;
    if (Date.now() > deadline) throw new Error(`all-in-one did not answer echoscu on ${port}: ${output}`);
    await new Promise((next) => setTimeout(next, POLL_MS));
  }
  return {
    child,
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
