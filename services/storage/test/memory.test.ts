/**
 * Memory stays bounded whatever the object's size: 600 MiB of encapsulated pixel data in many fragments,
 * generated on the fly (one fragment buffer reused), streamed through the real gRPC client and server in
 * 1 MiB chunks, stores with this process's RSS (client and server both live here) growing by under 150 MiB;
 * and the object parser keeps nothing of the pixel data, nor of a large value before it.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createDeflateRaw } from 'node:zlib';
import { Status } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOBS_DIRECTORY, ObjectParser } from '../src/index.js';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  encapsulatedObject,
  headerElements,
  JPEG_BASELINE,
  newUids,
  SECONDARY_CAPTURE_STORAGE,
  smallDataSet,
} from './support/data-sets.js';
import { type StorageHarness, startHarness, storeHeader } from './support/storage-harness.js';

const MiB = 1024 * 1024;
const OBJECT_BYTES = 600 * MiB;
const FRAGMENT_BYTES = 256 * 1024;
const CHUNK_BYTES = MiB;
/** The requirement: RSS growth while storing the object. */
const RSS_GROWTH_BOUND = 150 * MiB;
const SAMPLE_MS = 50;

describe('a 600 MiB object', () => {
  let harness: StorageHarness;

  beforeAll(async () => {
    harness = await startHarness();
    // Warm up every code path once (gRPC, parser, blob store, index) so lazy allocations are not counted.
    const uids = newUids();
    const response = await harness.store(
      storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      [smallDataSet(uids)],
    );
    expect(response.status).toBe(Status.Success);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('stores with RSS growth under 150 MiB', async () => {
    const uids = newUids(SECONDARY_CAPTURE_STORAGE);
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, SAMPLE_MS);
    let response: Awaited<ReturnType<StorageHarness['store']>>;
    try {
      response = await harness.store(
        storeHeader(uids.sopClassUid, uids.sopInstanceUid, JPEG_BASELINE),
        encapsulatedObject(uids, OBJECT_BYTES, FRAGMENT_BYTES, CHUNK_BYTES),
      );
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(response).toEqual({ status: Status.Success, errorComment: '', duplicate: false });
    const growth = peak - baseline;
    console.log(`RSS baseline ${(baseline / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB`);
    expect(growth, `RSS grew by ${(growth / MiB).toFixed(0)} MiB`).toBeLessThan(RSS_GROWTH_BOUND);

    const instance = await harness.runtime.index.getInstance(uids.sopInstanceUid);
    expect(instance).toBeDefined();
    if (instance === undefined) return;
    const { size } = await stat(join(harness.dataDir, BLOBS_DIRECTORY, instance.blobKey));
    expect(size).toBe(instance.size);
    expect(size - instance.dataSetOffset).toBeGreaterThan(OBJECT_BYTES);
    // The index holds the attributes, never the pixel data.
    expect(JSON.stringify(instance.attributes).length).toBeLessThan(4096);
    expect(instance.attributes).not.toHaveProperty('7FE00010');
  }, 300_000);
});

describe('the object parser', () => {
  it('is done at Pixel Data and keeps none of it', async () => {
    const uids = newUids(SECONDARY_CAPTURE_STORAGE);
    const parser = new ObjectParser(JPEG_BASELINE);
    let pushed = 0;
    let doneAt: number | undefined;
    for (const chunk of encapsulatedObject(uids, 64 * MiB, 64 * 1024, 7 * 1024 + 3)) {
      await parser.push(chunk);
      pushed += chunk.length;
      if (parser.done && doneAt === undefined) doneAt = pushed;
    }
    const parsed = await parser.end();
    // It stopped within the first chunks (before the fragments), so later chunks were never looked at.
    expect(doneAt).toBeDefined();
    expect(doneAt).toBeLessThan(64 * 1024);
    expect(parsed.sopInstanceUid).toBe(uids.sopInstanceUid);
    expect(parsed.identifier).not.toHaveProperty('PixelData');
    expect(JSON.stringify(parsed.attributes).length).toBeLessThan(4096);
  });

  it('skips a large value before Pixel Data without keeping it', async () => {
    const uids = newUids();
    const parser = new ObjectParser(EXPLICIT_VR_LITTLE_ENDIAN);
    // A 32 MiB private OB element (0009,1010) after the header elements, then native Pixel Data.
    const header = headerElements(uids);
    const privateCreator = Buffer.from([
      0x09, 0x00, 0x10, 0x00, 0x4c, 0x4f, 0x04, 0x00, 0x54, 0x45, 0x53, 0x54,
    ]);
    const big = Buffer.alloc(12);
    big.writeUInt16LE(0x0009, 0);
    big.writeUInt16LE(0x1010, 2);
    big.write('OB', 4, 'latin1');
    big.writeUInt32LE(32 * MiB, 8);
    // Tags must ascend: the header's (0008,...) elements, then group 0009, then (0010,...) onward.
    const group8End = header.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00]));
    await parser.push(header.subarray(0, group8End));
    await parser.push(privateCreator);
    await parser.push(big);
    const block = Buffer.alloc(MiB, 0x42);
    for (let i = 0; i < 32; i++) await parser.push(block);
    await parser.push(header.subarray(group8End));
    const parsed = await parser.end();
    expect(parsed.studyInstanceUid).toBe(uids.studyInstanceUid);
    expect(JSON.stringify(parsed.attributes).length).toBeLessThan(4096);
    expect(parsed.identifier['00091010']).toBeUndefined();
  });

  it('reads a deflate bomb with bounded memory and time', async () => {
    // The header elements, then a private OB value of ~4 GiB of zeros: 512 MiB of it compressed to ~0.5 MiB.
    const uids = newUids();
    const header = headerElements(uids);
    const group8End = header.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00]));
    const big = Buffer.alloc(12);
    big.writeUInt16LE(0x0009, 0);
    big.writeUInt16LE(0x1010, 2);
    big.write('OB', 4, 'latin1');
    big.writeUInt32LE(0xfffffff0, 8);
    const deflater = createDeflateRaw();
    const compressedParts: Buffer[] = [];
    deflater.on('data', (part: Buffer) => compressedParts.push(part));
    deflater.write(Buffer.concat([header.subarray(0, group8End), big]));
    const zeros = Buffer.alloc(MiB);
    for (let i = 0; i < 512; i++) deflater.write(zeros);
    await new Promise((resolve) => deflater.end(resolve));
    const compressed = Buffer.concat(compressedParts);
    expect(compressed.length).toBeLessThan(2 * MiB);

    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const parser = new ObjectParser(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN);
    for (let offset = 0; offset < compressed.length; offset += 64 * 1024) {
      await parser.push(compressed.subarray(offset, offset + 64 * 1024));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const parsed = await parser.end();
    expect(parser.done).toBe(true);
    expect(parsed.sopInstanceUid).toBe(uids.sopInstanceUid);
    // It gave up inside the huge value (past the inflated-output bound), so what follows is not read.
    expect(parsed.attributesComplete).toBe(false);
    expect(peak - baseline, `RSS grew by ${((peak - baseline) / MiB).toFixed(0)} MiB`).toBeLessThan(
      RSS_GROWTH_BOUND,
    );
  });
});
