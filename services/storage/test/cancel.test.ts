/**
 * The gateway cancels the call when the association is aborted mid-transfer: storage must discard what it
 * received (no file, not even a temporary one; no index row; no event) and go on serving the next call.
 */

import { TEMPORARY_DIRECTORY } from '@dicomesh/archive';
import { Status } from '@dicomesh/dimse';
import { Metadata, type StoreEnd } from '@dicomesh/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOBS_DIRECTORY } from '../src/index.js';
import {
  EXPLICIT_VR_LITTLE_ENDIAN,
  encapsulatedObject,
  JPEG_BASELINE,
  newUids,
  smallDataSet,
} from './support/data-sets.js';
import { type StorageHarness, startHarness, storeHeader } from './support/storage-harness.js';

const POLL_MS = 20;
const DEADLINE_MS = 10_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('a call cancelled mid-stream', () => {
  let harness: StorageHarness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('leaves nothing behind, and the server serves the next call', async () => {
    const uids = newUids('1.2.840.10008.5.1.4.1.1.7');
    const temporary = `${BLOBS_DIRECTORY}/${TEMPORARY_DIRECTORY}/`;
    let outcome: { error: { code?: number } | null } | undefined;
    const call = harness.client.store(new Metadata(), {}, (error) => {
      outcome = { error };
    });
    call.write({
      part: { $case: 'header', value: storeHeader(uids.sopClassUid, uids.sopInstanceUid, JPEG_BASELINE) },
    });
    // 64 MiB announced in fragments; only the first few chunks are ever sent.
    const chunks = encapsulatedObject(uids, 64 * 1024 * 1024, 1024 * 1024, 64 * 1024);
    for (let i = 0; i < 6; i++) {
      const next = chunks.next();
      if (next.done) throw new Error('the generator ended early');
      const value = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      call.write({ part: { $case: 'chunk', value } });
    }
    // The server is writing: its temporary file exists.
    await until('the temporary file', async () => {
      const files = await harness.blobFiles();
      return files.some((f) => f.startsWith(temporary)) ? true : undefined;
    });
    call.cancel();

    const { error } = await until('the call to end', async () => outcome);
    expect(error?.code).toBe(1); // CANCELLED
    await until('the temporary file to be removed', async () =>
      (await harness.blobFiles()).length === 0 ? true : undefined,
    );
    expect(await harness.runtime.index.countInstances()).toBe(0);
    expect(await harness.runtime.index.pending(10)).toEqual([]);

    const next = newUids();
    const response = await harness.store(
      storeHeader(next.sopClassUid, next.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      [smallDataSet(next)],
    );
    expect(response).toEqual({ status: Status.Success, errorComment: '', duplicate: false });
    expect(await harness.runtime.index.countInstances()).toBe(1);
    // The cancelled instance was never indexed; the next one was.
    expect(await harness.runtime.index.getInstance(uids.sopInstanceUid)).toBeUndefined();
    expect(await harness.blobFiles()).toHaveLength(1);
  });

  /** Streams `header` and `dataSet`, then `last` (or nothing) before closing; resolves with the call's error. */
  async function callEndingWith(
    header: ReturnType<typeof storeHeader>,
    dataSet: Uint8Array,
    last: StoreEnd | undefined,
  ): Promise<{ code?: number } | null> {
    return new Promise((resolve) => {
      const call = harness.client.store(new Metadata(), {}, (error) => resolve(error));
      call.write({ part: { $case: 'header', value: header } });
      call.write({ part: { $case: 'chunk', value: Buffer.from(dataSet) } });
      if (last !== undefined) call.write({ part: { $case: 'end', value: last } });
      call.end();
    });
  }

  it('a call that closes without its end stores nothing, however complete its data set', async () => {
    // What a cancelled HTTP/2 stream can look like to the server before its reset arrives.
    const uids = newUids();
    const header = storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN);
    const error = await callEndingWith(header, smallDataSet(uids), undefined);
    expect(error?.code).toBe(1); // CANCELLED
    expect(await harness.runtime.index.getInstance(uids.sopInstanceUid)).toBeUndefined();
    await until('the temporary file to be removed', async () =>
      (await harness.blobFiles()).some((f) => f.includes(`/${TEMPORARY_DIRECTORY}/`)) ? undefined : true,
    );
  });

  it('a call whose end counts other bytes than were sent is refused and stores nothing', async () => {
    const uids = newUids();
    const header = storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN);
    const dataSet = smallDataSet(uids);
    const error = await callEndingWith(header, dataSet, { bytes: dataSet.length + 1 });
    expect(error?.code).toBe(3); // INVALID_ARGUMENT
    expect(await harness.runtime.index.getInstance(uids.sopInstanceUid)).toBeUndefined();
  });

  it('a call cancelled right after its header leaves nothing either', async () => {
    const uids = newUids();
    const before = await harness.blobFiles();
    let ended = false;
    const call = harness.client.store(new Metadata(), {}, () => {
      ended = true;
    });
    call.write({
      part: {
        $case: 'header',
        value: storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      },
    });
    await until('the temporary file', async () =>
      (await harness.blobFiles()).length > before.length ? true : undefined,
    );
    call.cancel();
    await until('the call to end', async () => (ended ? true : undefined));
    await until('the temporary file to be removed', async () => {
      const files = await harness.blobFiles();
      return files.length === before.length ? true : undefined;
    });
    expect(await harness.runtime.index.getInstance(uids.sopInstanceUid)).toBeUndefined();
  });
});
