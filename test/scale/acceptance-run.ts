/**
 * Runs ../shared/acceptance/dimse-acceptance against a DICOM port, with the checks `make acceptance` runs:
 * ACCEPTANCE_ONLY from the environment (the Makefile exports it), else the Makefile's own default, so the
 * regex has one source. Spawned asynchronously: the services' log pipes keep flowing while it runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const SUITE = join(ROOT, '../shared/acceptance/dimse-acceptance');
const PYTHON_WITH_PYDICOM = '/usr/bin/python3';
const MAKEFILE_DEFAULT = /^ACCEPTANCE_ONLY \?= (.+)$/m;

/** The acceptance checks `make acceptance` selects. */
export function acceptanceOnlyRegex(): string {
  const fromEnv = process.env.ACCEPTANCE_ONLY;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const match = MAKEFILE_DEFAULT.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'));
  if (match?.[1] === undefined) throw new Error('Makefile: no "ACCEPTANCE_ONLY ?= ..." line');
  return match[1].trim();
}

export interface AcceptanceOptions {
  readonly port: number;
  readonly destAeTitle: string;
  readonly destPort: number;
  readonly workDir: string;
  readonly only: string;
}

export interface AcceptanceResult {
  readonly exitCode: number | null;
  readonly output: string;
}

export function runAcceptance(options: AcceptanceOptions): Promise<AcceptanceResult> {
  const args = [
    SUITE,
    '--port',
    String(options.port),
    '--aet',
    'DICOMESH',
    '--dest-aet',
    options.destAeTitle,
    '--dest-port',
    String(options.destPort),
    '--only',
    options.only,
    '--workdir',
    options.workDir,
  ];
  return new Promise((done, fail) => {
    const child = spawn(PYTHON_WITH_PYDICOM, args, {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', fail);
    child.once('close', (exitCode) => done({ exitCode, output }));
  });
}
