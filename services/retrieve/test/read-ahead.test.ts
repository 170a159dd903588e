/** ReadAhead: whole-object reads into two buffers in turn, the next object read while the current is sent. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BlobStore, blobKeyFor, createFsBlobStore } from '@dicomesh/archive';
import { generateUid } from '@dicomesh/dicom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { READ_AHEAD_BUFFER_BYTES, ReadAhead } from '../src/read-ahead.js';
import type { RetrievableInstance } from '../src/resolve-instances.js';

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

describe('ReadAhead', () => {
  it('hands each object whole, the prefetched one from the other buffer, two buffers in turn', async () => {
    const objects = await Promise.all([1000, 70_000, 5, 512 * 1024, 3].map(put));
    const readAhead = new ReadAhead(store);
    const seen = new Set<ArrayBufferLike>();
    for (const [i, { instance, dataSet }] of objects.entries()) {
      const got = await readAhead.take(instance, EXPLICIT_LE);
      const following = objects[i + 1];
      if (following) readAhead.prefetch(following.instance, EXPLICIT_LE);
      expect(got?.equals(dataSet)).toBe(true);
      seen.add((got as Buffer).buffer);
    }
    expect(seen.size).toBe(2);
  });

  it('streams what does not fit a buffer or travels converted (undefined)', async () => {
    const big = await put(READ_AHEAD_BUFFER_BYTES + 1);
    const small = await put(100);
    const readAhead = new ReadAhead(store);
    expect(await readAhead.take(big.instance, EXPLICIT_LE)).toBeUndefined();
    expect(await readAhead.take(small.instance, IMPLICIT_LE)).toBeUndefined();
    readAhead.prefetch(big.instance, EXPLICIT_LE);
    expect(await readAhead.take(big.instance, EXPLICIT_LE)).toBeUndefined();
    expect((await readAhead.take(small.instance, EXPLICIT_LE))?.equals(small.dataSet)).toBe(true);
  });

  it('a prefetched blob that vanished fails when taken, not before; one nobody takes is let go', async () => {
    const first = await put(100);
    const second = await put(200);
    const third = await put(300);
    const readAhead = new ReadAhead(store);
    await readAhead.take(first.instance, EXPLICIT_LE);
    await store.remove(second.instance.blobKey);
    readAhead.prefetch(second.instance, EXPLICIT_LE);
    await expect(readAhead.take(second.instance, EXPLICIT_LE)).rejects.toMatchObject({ code: 'ENOENT' });
    // A prefetch for an object that is then skipped: the next take reads its own object.
    readAhead.prefetch(first.instance, EXPLICIT_LE);
    expect((await readAhead.take(third.instance, EXPLICIT_LE))?.equals(third.dataSet)).toBe(true);
  });
});
