/**
 * The SCU tools bundle (issue #2's tool speed): `make build` writes it after tsc, and the launcher loads it
 * only while nothing it holds was compiled after it. The bundle itself is what `make build` made: the tools'
 * end-to-end tests (scu-tools.test.ts) run through it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleIsFresh } from '../src/tools-module.js';

const BUNDLE = join(resolve(import.meta.dirname, '..'), 'dist/scu-tools.bundle.js');
const EXPORTS = [
  'UsageError',
  'echoTool',
  'findTool',
  'flushOutput',
  'getTool',
  'moveTool',
  'parseScuArgs',
  'storeTool',
];

describe('the SCU tools bundle', () => {
  it('is used when it exists and no project it holds was compiled after it', () => {
    expect(bundleIsFresh(2000, [1000, 2000, undefined])).toBe(true);
    expect(bundleIsFresh(2000, [])).toBe(true);
    expect(bundleIsFresh(2000, [1000, 2001])).toBe(false);
    expect(bundleIsFresh(undefined, [1000])).toBe(false);
  });

  it('make build wrote it, and it exports every tool and what the launcher runs them with', async () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: run make build`).toBe(true);
    const bundle = (await import(BUNDLE)) as Record<string, unknown>;
    expect(Object.keys(bundle).sort()).toEqual(EXPORTS);
    for (const name of EXPORTS) expect(typeof bundle[name]).toBe('function');
  });
});
