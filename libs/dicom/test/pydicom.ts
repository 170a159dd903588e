import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** pydicom is a Debian package for the system python; pyenv's python3 may not have it. */
export const PYTHON = '/usr/bin/python3';
const TOOLS = path.join(import.meta.dirname, 'tools');

export function pydicomDataDir(): string {
  const dir = execFileSync(PYTHON, ['-c', 'import pydicom,os;print(os.path.dirname(pydicom.__file__))'], {
    encoding: 'utf8',
  }).trim();
  return path.join(dir, 'data');
}

/** Run one of test/tools/*.py and parse its JSON output. */
export function runTool<T>(script: string, args: readonly string[] = []): T {
  const out = execFileSync(PYTHON, [path.join(TOOLS, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as T;
}

/** The real-world files of the acceptance suite (its REAL_FILES list), one per transfer syntax or SOP class. */
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

/** Split `bytes` into chunks whose sizes follow a small deterministic pseudo-random sequence. */
export function chunksOf(bytes: Uint8Array, seed: number, maxSize: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let state = seed;
  for (let offset = 0; offset < bytes.length; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const size = 1 + (state % maxSize);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
