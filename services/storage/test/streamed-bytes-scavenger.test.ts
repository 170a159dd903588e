/**
 * noteStreamedBytes (@dicomesh/rpc: the Store handler counts each chunk received, the gateway each one sent)
 * scavenges every few MiB:
 * a process that streams large Buffers and allocates little else then frees them young instead of running
 * a full mark-compact every 64 MiB. Each case runs in its own Node 24 process (the one the services run
 * on): 1 GiB in 512 KiB Buffers, as gRPC chunks of CT images arrive, counting major collections, with
 * and without the counting.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCAVENGER_MODULE = fileURLToPath(
  new URL('../../../libs/rpc/src/streamed-bytes-scavenger.ts', import.meta.url),
);
/** The project's Node 24, which runs TypeScript, not the test runner's. */
const PROJECT_NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const BUFFER_BYTES = 512 * 1024;
const TOTAL_BYTES = 1024 * 1024 * 1024;

function childScript(counted: boolean): string {
  return `
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { noteStreamedBytes } from ${JSON.stringify(SCAVENGER_MODULE)};
let major = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
}).observe({ entryTypes: ['gc'] });
const live = Array.from({ length: 20000 }, (_, i) => ({ i, s: String(i) }));
for (let done = 0; done < ${TOTAL_BYTES}; done += ${BUFFER_BYTES}) {
  const chunk = Buffer.allocUnsafe(${BUFFER_BYTES});
  chunk[0] = live.length & 0xff;
  if (${counted}) noteStreamedBytes(chunk.length);
  await new Promise((resolve) => setImmediate(resolve));
}
await new Promise((resolve) => setTimeout(resolve, 50));
process.stdout.write(String(major));
`;
}

function majorCollections(counted: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROJECT_NODE, ['--input-type=module', '-e', childScript(counted)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && /^\d+$/.test(out)) resolve(Number(out));
      else reject(new Error(`child exited ${code}: ${out} ${err}`));
    });
  });
}

describe('noteStreamedBytes', () => {
  it('streams 1 GiB of 512 KiB Buffers without a mark-compact per 64 MiB', async () => {
    const uncounted = await majorCollections(false);
    const counted = await majorCollections(true);
    // Without it, V8 runs a mark-compact about every 64 MiB of Buffers (the cost this removes).
    expect(uncounted).toBeGreaterThanOrEqual(8);
    expect(counted).toBeLessThanOrEqual(2);
  }, 60_000);
});
