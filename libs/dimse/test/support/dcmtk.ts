/** Test support: DCMTK tools as real peers (started on free ports in temp dirs, with TCP_NODELAY=1). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../test/support/free-port.js';

export const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** pydicom's test files (Debian package python3-pydicom). */
export const PYDICOM_TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';

/** REAL_FILES of /work/shared/acceptance/dimse-acceptance: one per transfer syntax or SOP class. */
export const REAL_FILES = [
  'CT_small.dcm',
  'MR_small_RLE.dcm',
  'MR_small_jp2klossless.dcm',
  'MR_small_jpeg_ls_lossless.dcm',
  'SC_rgb_jpeg_dcmtk.dcm',
  'JPEG-lossy.dcm',
  'image_dfl.dcm',
  'MR_small_bigendian.dcm',
  'MR_small_implicit.dcm',
  'rtplan.dcm',
  'test-SR.dcm',
  'waveform_ecg.dcm',
  'rtdose.dcm',
  'liver_1frame.dcm',
  'SC_rgb_rle.dcm',
] as const;

/** storescu's option proposing a transfer syntax first (as the acceptance script does), and getscu's. */
export const STORESCU_PROPOSE: Record<string, string> = {
  '1.2.840.10008.1.2': '-xi',
  '1.2.840.10008.1.2.1': '-xe',
  '1.2.840.10008.1.2.2': '-xb',
  '1.2.840.10008.1.2.1.99': '-xd',
  '1.2.840.10008.1.2.5': '-xr',
  '1.2.840.10008.1.2.4.50': '-xy',
  '1.2.840.10008.1.2.4.51': '-xx',
  '1.2.840.10008.1.2.4.70': '-xs',
  '1.2.840.10008.1.2.4.80': '-xt',
  '1.2.840.10008.1.2.4.81': '-xu',
  '1.2.840.10008.1.2.4.90': '-xv',
  '1.2.840.10008.1.2.4.91': '-xw',
};
/** getscu 3.6.7's `+xi` proposes Explicit VR LE only (sic); `+x=` proposes all three uncompressed syntaxes. */
export const GETSCU_PREFER: Record<string, string> = Object.fromEntries(
  Object.entries(STORESCU_PROPOSE).map(([ts, o]) => [ts, o === '-xi' ? '+x=' : `+${o.slice(1)}`]),
);

export function tempDir(prefix = 'dimse-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export { freePort };

export interface RunResult {
  code: number | null;
  output: string;
}

/** Run a DCMTK tool to completion (stdout and stderr together). */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: DCMTK_ENV });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export interface RunningTool {
  readonly port: number;
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Start a long-running DCMTK listener (storescp...) and wait until its port accepts connections. */
export async function startListener(
  command: string,
  args: (port: number) => string[],
  cwd?: string,
): Promise<RunningTool> {
  const port = await freePort();
  const child = spawn(command, args(port), { cwd, env: DCMTK_ENV });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null) throw new Error(`${command} exited ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`${command} did not listen on ${port}: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** DCMTK storescp writing exactly what it receives (+B), accepting every transfer syntax it knows (+xa). */
export function startStorescp(aeTitle: string, outDir: string): Promise<RunningTool> {
  return startListener('storescp', (port) => ['-aet', aeTitle, '+B', '+xa', '-od', outDir, String(port)]);
}

/** Copies of REAL_FILES with unique UIDs (support/prepare_real_files.py, with the system python's pydicom). */
export async function prepareRealFiles(outDir: string, patientId: string): Promise<Map<string, string>> {
  const script = new URL('./prepare_real_files.py', import.meta.url).pathname;
  const r = await run('/usr/bin/python3', [script, outDir, patientId, ...REAL_FILES]);
  if (r.code !== 0) throw new Error(`prepare_real_files.py: ${r.output}`);
  return new Map(
    r.output
      .trim()
      .split('\n')
      .map((line) => line.split('\t') as [string, string]),
  );
}
