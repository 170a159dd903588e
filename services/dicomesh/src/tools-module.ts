/**
 * Where the SCU tools load from: the bundle `make build` writes after tsc (dist/scu-tools.bundle.js, see
 * rolldown.config.mjs), one file instead of the ~70 modules it holds, 30-40 ms less per run; or the modules
 * themselves when a project the bundle holds was compiled after it (someone ran `tsc -b` alone), so a tool
 * never runs stale code.
 */
import { statSync } from 'node:fs';

export type Tools = typeof import('./scu/tools.js');

const BUNDLE = new URL('./scu-tools.bundle.js', import.meta.url);
/** The build info `tsc -b` rewrites whenever it compiles a project the bundle holds (absent in the image). */
const COMPILED = [
  '../../../libs/dicom/dist/.tsbuildinfo',
  '../../../libs/dicom-ul/dist/.tsbuildinfo',
  '../../../libs/dimse/dist/.tsbuildinfo',
  './.tsbuildinfo',
].map((path) => new URL(path, import.meta.url));

function modifiedMs(url: URL): number | undefined {
  return statSync(url, { throwIfNoEntry: false })?.mtimeMs;
}

/** The bundle is used when it exists and nothing it holds was compiled after it. */
export function bundleIsFresh(
  bundleMs: number | undefined,
  compiledMs: readonly (number | undefined)[],
): boolean {
  return bundleMs !== undefined && compiledMs.every((ms) => ms === undefined || ms <= bundleMs);
}

export async function loadTools(): Promise<Tools> {
  if (bundleIsFresh(modifiedMs(BUNDLE), COMPILED.map(modifiedMs)))
    return (await import(BUNDLE.href)) as Tools;
  return import('./scu/tools.js');
}
