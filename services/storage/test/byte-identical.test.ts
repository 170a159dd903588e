/**
 * Every real-world object of the acceptance suite, in every transfer syntax it comes in (explicit and
 * implicit little endian, big endian, deflated, JPEG baseline/extended/LS/2000, RLE), stored through the
 * real gRPC server in chunks of odd sizes: the blob holds a Part 10 meta header naming the transfer syntax,
 * the SOP UIDs and the calling AE, and then exactly the data set bytes that were sent. The expected offsets
 * and meta values are read by pydicom, not by our own reader.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Status } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOBS_DIRECTORY } from '../src/index.js';
import {
  ACCEPTANCE_REAL_FILES,
  describePart10,
  type Part10Description,
  PYDICOM_TEST_FILES,
} from './support/pydicom.js';
import {
  CALLING_AE,
  chunked,
  type StorageHarness,
  startHarness,
  storeHeader,
} from './support/storage-harness.js';

/** 7 bytes splits every element header; 64 KiB and 1 MiB are the gateway's usual sizes. */
const CHUNK_SIZES = [7, 64 * 1024, 1024 * 1024] as const;

describe('real-world objects are stored byte-identical', () => {
  let harness: StorageHarness;
  let sources: Part10Description[];
  let copies: string;

  beforeAll(async () => {
    // Several MR_small files share one SOP Instance UID in different transfer syntaxes: overwrite keeps each.
    harness = await startHarness({ overwrite: true });
    sources = await describePart10(ACCEPTANCE_REAL_FILES.map((name) => join(PYDICOM_TEST_FILES, name)));
    copies = await mkdtemp(join(tmpdir(), 'dicomesh-storage-copies-'));
  });

  afterAll(async () => {
    await harness?.close();
    if (copies !== undefined) await rm(copies, { recursive: true, force: true });
  });

  it('covers every transfer syntax of the acceptance suite', () => {
    expect(new Set(sources.map((s) => s.meta.transferSyntaxUid))).toEqual(
      new Set([
        '1.2.840.10008.1.2', // implicit VR little endian
        '1.2.840.10008.1.2.1', // explicit VR little endian
        '1.2.840.10008.1.2.1.99', // deflated
        '1.2.840.10008.1.2.2', // explicit VR big endian
        '1.2.840.10008.1.2.4.50', // JPEG baseline
        '1.2.840.10008.1.2.4.51', // JPEG extended
        '1.2.840.10008.1.2.4.80', // JPEG-LS lossless
        '1.2.840.10008.1.2.4.90', // JPEG 2000 lossless
        '1.2.840.10008.1.2.5', // RLE
      ]),
    );
  });

  it.each(CHUNK_SIZES)('stores each file sent in chunks of %i bytes', async (chunkSize) => {
    const stored: { source: Part10Description; copy: string; dataSetOffset: number }[] = [];
    for (const source of sources) {
      const name = source.path.slice(source.path.lastIndexOf('/') + 1);
      const file = await readFile(source.path);
      const dataSet = file.subarray(source.dataSetOffset);
      const header = storeHeader(source.sopClassUid, source.sopInstanceUid, source.meta.transferSyntaxUid);
      const response = await harness.store(header, chunked(dataSet, chunkSize));
      expect(response, name).toEqual({ status: Status.Success, errorComment: '', duplicate: false });

      const instance = await harness.runtime.index.getInstance(source.sopInstanceUid);
      expect(instance, name).toBeDefined();
      if (instance === undefined) continue;
      expect(instance.transferSyntaxUid, name).toBe(source.meta.transferSyntaxUid);
      expect(instance.sourceAeTitle, name).toBe(CALLING_AE);
      const blobPath = join(harness.dataDir, BLOBS_DIRECTORY, instance.blobKey);
      const blob = await readFile(blobPath);
      expect(instance.size, name).toBe(blob.length);
      // Byte-identical: compare as buffers (a mismatch names the first differing offset in the diff).
      expect(Buffer.compare(blob.subarray(instance.dataSetOffset), dataSet), `${name}: data set bytes`).toBe(
        0,
      );
      const copy = join(copies, `${chunkSize}-${name}`);
      await copyFile(blobPath, copy);
      stored.push({ source, copy, dataSetOffset: instance.dataSetOffset });
    }

    const described = await describePart10(stored.map((s) => s.copy));
    for (const [i, { source, dataSetOffset }] of stored.entries()) {
      const blob = described[i]!;
      expect(blob.meta, source.path).toEqual({
        transferSyntaxUid: source.meta.transferSyntaxUid,
        mediaStorageSopClassUid: source.sopClassUid,
        mediaStorageSopInstanceUid: source.sopInstanceUid,
        sourceApplicationEntityTitle: CALLING_AE,
      });
      expect(blob.sopClassUid, source.path).toBe(source.sopClassUid);
      expect(blob.sopInstanceUid, source.path).toBe(source.sopInstanceUid);
      // pydicom finds the data set where the index says it starts.
      expect(blob.dataSetOffset, source.path).toBe(dataSetOffset);
    }
  });
});
