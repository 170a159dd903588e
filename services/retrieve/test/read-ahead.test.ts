/** ReadAhead: whole-object reads into a few buffers in turn, the next objects read while the current is sent. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BlobStore, blobKeyFor, createFsBlobStore } from '@dicomesh/archive';
import { generateUid } from '@dicomesh/dicom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READ_AHEAD_BUFFER_BYTES, READ_AHEAD_DEPTH, ReadAhead } from '../src/read-ahead.js';
import type { RetrievableInstance } from '../src/resolve-instances.js';
import { SyncReadGate } from '../src/sync-read-gate.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
/** Stands for the Part 10 meta header: read() starts after it. */
const HEADER = 132;

let dir: string;
let store: BlobStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-read-ahead-'));
  store = await createFsBlobStore(join(dir, 'blobs'), { owner: 'test' });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(dataSetBytes: number): Promise<{ instance: RetrievableInstance; dataSet: Buffer }> {
  const bytes = randomBytes(HEADER + dataSetBytes);
  const sopInstanceUid = generateUid();
  const blobKey = blobKeyFor({
    studyInstanceUid: generateUid(),
    seriesInstanceUid: generateUid(),
    sopInstanceUid,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
  const writer = await store.create();
  await writer.write(bytes);
  await writer.commit(blobKey);
  const instance = {
    sopInstanceUid,
    sopClassUid: CT,
    transferSyntaxUid: EXPLICIT_LE,
    blobKey,
    dataSetOffset: HEADER,
    size: bytes.length,
  };
  return { instance, dataSet: bytes.subarray(HEADER) };
}

/** Without a gate (reads through the thread pool), and with an open one (reads on the event loop). */
const modes: ReadonlyArray<[string, () => SyncReadGate | undefined]> = [
  ['through the thread pool', () => undefined],
  ['on the event loop', () => new SyncReadGate()],
];

describe.each(modes)('ReadAhead, %s', (_mode, gate) => {
  it('hands each object whole, the next ones read ahead into other buffers, a few buffers in turn', async () => {
    const objects = await Promise.all([1000, 70_000, 5, 512 * 1024, 3, 64 * 1024, 77].map(put));
    const readAhead = new ReadAhead(store, gate());
    const seen = new Set<ArrayBufferLike>();
    let previous: { got: Buffer; dataSet: Buffer } | undefined;
    for (const [i, { instance, dataSet }] of objects.entries()) {
      const got = (await readAhead.take(instance, EXPLICIT_LE)) as Buffer;
      // The reads ahead, finished or not, never wrote into the buffer of the object being sent.
      if (previous) expect(previous.got.equals(previous.dataSet)).toBe(true);
      readAhead.prefetch(
        objects.slice(i + 1).map((o) => ({ instance: o.instance, transferSyntaxUid: EXPLICIT_LE })),
      );
      expect(got.equals(dataSet)).toBe(true);
      seen.add(got.buffer);
      previous = { got, dataSet };
    }
    expect(seen.size).toBe(READ_AHEAD_DEPTH + 1);
  });

  it('streams what does not fit a buffer or travels converted (undefined)', async () => {
    const big = await put(READ_AHEAD_BUFFER_BYTES + 1);
    const small = await put(100);
    const readAhead = new ReadAhead(store, gate());
    expect(await readAhead.take(big.instance, EXPLICIT_LE)).toBeUndefined();
    expect(await readAhead.take(small.instance, IMPLICIT_LE)).toBeUndefined();
    readAhead.prefetch([{ instance: big.instance, transferSyntaxUid: EXPLICIT_LE }]);
    expect(await readAhead.take(big.instance, EXPLICIT_LE)).toBeUndefined();
    expect((await readAhead.take(small.instance, EXPLICIT_LE))?.equals(small.dataSet)).toBe(true);
  });

  it('a prefetched blob that vanished fails when taken, not before; one nobody takes is let go', async () => {
    const first = await put(100);
    const second = await put(200);
    const third = await put(300);
    const readAhead = new ReadAhead(store, gate());
    await readAhead.take(first.instance, EXPLICIT_LE);
    await store.remove(second.instance.blobKey);
    readAhead.prefetch([{ instance: second.instance, transferSyntaxUid: EXPLICIT_LE }]);
    await expect(readAhead.take(second.instance, EXPLICIT_LE)).rejects.toMatchObject({ code: 'ENOENT' });
    // A prefetch for an object that is then skipped: the next take reads its own object.
    readAhead.prefetch([{ instance: first.instance, transferSyntaxUid: EXPLICIT_LE }]);
    expect((await readAhead.take(third.instance, EXPLICIT_LE))?.equals(third.dataSet)).toBe(true);
  });
});

/** A read this long shuts a gate at once. */
const STALL_MS = 100;

/** The real store, its reads counted by kind. */
function countingStore(inner: BlobStore) {
  const calls = { readInto: 0, readIntoSync: 0 };
  const store: BlobStore = {
    ...inner,
    readInto: (...args) => {
      calls.readInto++;
      return inner.readInto(...args);
    },
    readIntoSync: (...args) => {
      calls.readIntoSync++;
      inner.readIntoSync(...args);
    },
  };
  return { store, calls };
}

describe('ReadAhead with a gate', () => {
  it('reads on the event loop while the gate is open: the object is read when prefetch returns', async () => {
    const objects = await Promise.all([100, 200, 300].map(put));
    const { store: counted, calls } = countingStore(store);
    const readAhead = new ReadAhead(counted, new SyncReadGate());
    await readAhead.take(objects[0]!.instance, EXPLICIT_LE);
    readAhead.prefetch(
      objects.slice(1).map((o) => ({ instance: o.instance, transferSyntaxUid: EXPLICIT_LE })),
    );
    expect(calls).toEqual({ readInto: 0, readIntoSync: 3 });
    for (const { instance, dataSet } of objects.slice(1))
      expect((await readAhead.take(instance, EXPLICIT_LE))?.equals(dataSet)).toBe(true);
  });

  it('reads through the thread pool once a read stalled, and a missing blob still fails when taken', async () => {
    const objects = await Promise.all([100, 200, 300].map(put));
    const { store: counted, calls } = countingStore(store);
    let now = 0;
    const slowStore: BlobStore = {
      ...counted,
      readIntoSync: (...args) => {
        now += STALL_MS;
        counted.readIntoSync(...args);
      },
    };
    const readAhead = new ReadAhead(slowStore, new SyncReadGate({ now: () => now }));
    expect((await readAhead.take(objects[0]!.instance, EXPLICIT_LE))?.equals(objects[0]!.dataSet)).toBe(true);
    await store.remove(objects[2]!.instance.blobKey);
    readAhead.prefetch(
      objects.slice(1).map((o) => ({ instance: o.instance, transferSyntaxUid: EXPLICIT_LE })),
    );
    expect(calls).toEqual({ readInto: 2, readIntoSync: 1 });
    expect((await readAhead.take(objects[1]!.instance, EXPLICIT_LE))?.equals(objects[1]!.dataSet)).toBe(true);
    await expect(readAhead.take(objects[2]!.instance, EXPLICIT_LE)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
