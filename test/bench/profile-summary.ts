/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. `BENCH_CPU_PROF=dir make bench`): self time
 * by function and by file, and the share of idle time, so the hot paths of the store path can be read.
 *
 * usage: node test/bench/profile-summary.ts FILE.cpuprofile [TOP] [FROM_S] [TO_S]
 * (FROM_S..TO_S: only samples in that window, in seconds since the profile started; the busy share per
 * second is printed first, so the window of the store can be picked out from start-up.)
 * Total time by function (itself and what it calls, counted once per sample however deep the recursion)
 * follows, to attribute the cost to a subsystem (gRPC, the index, logging, spans...).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
const top = Number.parseInt(process.argv[3] ?? '40', 10);
const fromUs = Number.parseFloat(process.argv[4] ?? '0') * 1e6;
const toUs = Number.parseFloat(process.argv[5] ?? 'Infinity') * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
const idleId = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
const busyPerSecond: number[] = [];
let at = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  const second = Math.floor(at / 1e6);
  if (id !== idleId) busyPerSecond[second] = (busyPerSecond[second] ?? 0) + delta;
  if (at < fromUs || at > toUs) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
process.stdout.write(
  `busy % per second: ${Array.from(busyPerSecond, (us) => Math.round((us ?? 0) / 1e4)).join(' ')}\n`,
);
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url: string) => url.replace(/^file:\/\/\/work\/main\//, '').replace(/^node:/, 'node:');
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
  add(byFunction, `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`, us);
  add(byFile, shortUrl(url) || functionName, us);
}
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title} (of ${(total / 1e6).toFixed(2)} s sampled)\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((100 * us) / total).toFixed(1).padStart(6)}%  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${key}\n`,
    );
  }
};
const busy = [...selfUs].filter(([id]) => id !== idleId).reduce((a, [, us]) => a + us, 0);
const frameKey = (id: number): string => {
  const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
  return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
};
const totalByFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (id === idleId) continue;
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const key = frameKey(at);
    if (!seen.has(key)) add(totalByFunction, key, us);
    seen.add(key);
  }
}
process.stdout.on('error', () => process.exit(0)); // piped into head
print('self time by file', byFile);
print('self time by function', byFunction);
process.stdout.write(`\ntotal time by function (of ${(busy / 1e6).toFixed(2)} s busy)\n`);
for (const [key, us] of [...totalByFunction].sort((a, b) => b[1] - a[1]).slice(0, top * 2)) {
  process.stdout.write(
    `${((100 * us) / busy).toFixed(1).padStart(6)}%  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${key}\n`,
  );
}
