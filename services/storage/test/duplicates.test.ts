/**
 * The same SOP instance twice: by default Success both times and stored once (one file, one index row, one
 * outbox event); with overwrite, the second copy replaces the first (one file: the new one, one row
 * pointing at it, and an event for each version). Also when both copies arrive at the same time.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Status } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOBS_DIRECTORY } from '../src/index.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, newUids, smallDataSet } from './support/data-sets.js';
import { chunked, type StorageHarness, startHarness, storeHeader } from './support/storage-harness.js';

async function outboxMsgIds(harness: StorageHarness, sopInstanceUid: string): Promise<string[]> {
  // Nothing publishes in these tests (no bus): every event stays pending.
  const rows = await harness.runtime.index.pending(1000);
  return rows.filter((row) => row.payload.sopInstanceUid === sopInstanceUid).map((row) => row.msgId);
}

async function storedBytes(harness: StorageHarness, sopInstanceUid: string): Promise<Buffer | undefined> {
  const instance = await harness.runtime.index.getInstance(sopInstanceUid);
  if (instance === undefined) return undefined;
  const blob = await readFile(join(harness.dataDir, BLOBS_DIRECTORY, instance.blobKey));
  return blob.subarray(instance.dataSetOffset);
}

describe('duplicates are stored once', () => {
  let harness: StorageHarness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers Success twice, keeps the first file, one row, one event', async () => {
    const uids = newUids();
    const header = storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN);
    const first = smallDataSet(uids, 'FIRST');
    const second = smallDataSet(uids, 'SECOND');

    expect(await harness.store(header, chunked(first, 100))).toEqual({
      status: Status.Success,
      errorComment: '',
      duplicate: false,
    });
    const filesAfterFirst = await harness.blobFiles();
    expect(filesAfterFirst).toHaveLength(1);

    expect(await harness.store(header, chunked(second, 100))).toEqual({
      status: Status.Success,
      errorComment: '',
      duplicate: true,
    });
    expect(await harness.blobFiles()).toEqual(filesAfterFirst);
    expect(await harness.runtime.index.countInstances()).toBe(1);
    expect(await outboxMsgIds(harness, uids.sopInstanceUid)).toHaveLength(1);
    expect(await storedBytes(harness, uids.sopInstanceUid)).toEqual(first);
  });

  it('two copies at the same time: both Success, one stored', async () => {
    const uids = newUids();
    const header = storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN);
    const before = (await harness.blobFiles()).length;
    const responses = await Promise.all([
      harness.store(header, chunked(smallDataSet(uids, 'A'), 7)),
      harness.store(header, chunked(smallDataSet(uids, 'B'), 7)),
    ]);
    expect(responses.map((r) => r.status)).toEqual([Status.Success, Status.Success]);
    expect(responses.filter((r) => r.duplicate)).toHaveLength(1);
    expect(await harness.blobFiles()).toHaveLength(before + 1);
    expect(await outboxMsgIds(harness, uids.sopInstanceUid)).toHaveLength(1);
  });
});

describe('duplicates with overwrite', () => {
  let harness: StorageHarness;

  beforeAll(async () => {
    harness = await startHarness({ overwrite: true });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('replaces the stored copy: one file, the new one', async () => {
    const uids = newUids();
    const header = storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN);
    const first = smallDataSet(uids, 'FIRST');
    const second = smallDataSet(uids, 'SECOND');

    expect((await harness.store(header, [first])).status).toBe(Status.Success);
    const [firstFile] = await harness.blobFiles();
    const response = await harness.store(header, [second]);
    expect(response).toEqual({ status: Status.Success, errorComment: '', duplicate: false });

    const files = await harness.blobFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).not.toBe(firstFile);
    expect(await storedBytes(harness, uids.sopInstanceUid)).toEqual(second);
    expect(await harness.runtime.index.countInstances()).toBe(1);
    // One event per version stored (different content hash, different msgId).
    const events = await outboxMsgIds(harness, uids.sopInstanceUid);
    expect(events).toHaveLength(2);
    expect(new Set(events).size).toBe(2);
  });

  it('the very same bytes again: Success, the one file kept', async () => {
    const uids = newUids();
    const header = storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN);
    const dataSet = smallDataSet(uids);
    const before = await harness.blobFiles();
    expect((await harness.store(header, [dataSet])).status).toBe(Status.Success);
    const afterFirst = await harness.blobFiles();
    expect(afterFirst).toHaveLength(before.length + 1);
    expect((await harness.store(header, chunked(dataSet, 3))).status).toBe(Status.Success);
    expect(await harness.blobFiles()).toEqual(afterFirst);
    expect(await storedBytes(harness, uids.sopInstanceUid)).toEqual(dataSet);
  });
});
