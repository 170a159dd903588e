/**
 * Runs a service of the built launcher (`dicomesh retrieve`, `dicomesh all-in-one`...) that is expected to stop
 * at start: its exit code and everything it logged. Only the given DICOMESH_* variables reach it.
 */
import { spawn } from 'node:child_process';
import { LAUNCHER, NODE } from './run-tool.js';

/** The exit status of a service whose configuration is invalid (libs/config CONFIG_EXIT_CODE). */
export const CONFIG_EXIT_CODE = 2;
/** A service that has not stopped by then is killed: the test then fails on its exit code. */
const EXIT_DEADLINE_MS = 30_000;

export interface ServiceExit {
  readonly code: number | null;
  readonly output: string;
}

export function serviceExit(command: string, env: Record<string, string>): Promise<ServiceExit> {
  return new Promise((resolve) => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('DICOMESH_')),
    );
    const child = spawn(NODE, [LAUNCHER, command], {
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
