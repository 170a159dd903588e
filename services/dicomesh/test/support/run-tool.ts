/**
 * Runs the built launcher (`services/dicomesh/dist/main.js`, so `tsc -b` first) as an operator would, in its
 * own process, and reads what an SCU tool prints: one JSON line per event on stdout, and its exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../../..');
export const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
/**
 * The project's Node (24, the `node` dev dependency, first on PATH under make): vitest started as
 * `node_modules/.bin/vitest` runs on whatever `node` PATH finds first, and the launcher needs Node 22.8+.
 */
const PROJECT_NODE = join(ROOT, 'node_modules/.bin/node');
export const NODE = existsSync(PROJECT_NODE) ? PROJECT_NODE : process.execPath;
const TOOL_TIMEOUT_MS = 60_000;

export type ToolEvent = { readonly event: string } & Readonly<Record<string, unknown>>;

export interface ToolRun {
  readonly code: number | null;
  readonly events: readonly ToolEvent[];
  readonly stderr: string;
}

/** Runs `dicomesh ARGS...` to completion; stdout is parsed as JSON lines. */
export function dicomesh(args: readonly string[]): Promise<ToolRun> {
  return new Promise((done, fail) => {
    const child = spawn(NODE, [LAUNCHER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_TIMEOUT_MS);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        const events = stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as ToolEvent);
        done({ code, events, stderr });
      } catch (error) {
        fail(new Error(`dicomesh ${args.join(' ')}: stdout is not JSON lines: ${stdout}`, { cause: error }));
      }
    });
  });
}
