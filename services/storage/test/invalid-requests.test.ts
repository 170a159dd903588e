/**
 * Requests that must not store anything: hostile or invalid UIDs in the header (they would become blob
 * paths), SOP classes that are not storage classes, data sets whose UIDs disagree with the request, and
 * data sets that are not DICOM. Each gets a DIMSE failure with an Error Comment, and afterwards there is no
 * file under the data dir (no temporary file either), no index row and no outbox event.
 */
import { Status } from '@dicomesh/dimse';
import type { StoreResponse } from '@dicomesh/rpc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CT_IMAGE_STORAGE,
  EXPLICIT_VR_LITTLE_ENDIAN,
  newUids,
  STUDY_ROOT_FIND,
  smallDataSet,
} from './support/data-sets.js';
import { chunked, type StorageHarness, startHarness, storeHeader } from './support/storage-harness.js';

/** A private SOP class no standard names (what a vendor's modality might send). */
const PRIVATE_SOP_CLASS = '1.2.826.0.1.3680043.9.7433.1.1';

const HOSTILE_UIDS: readonly (readonly [string, string])[] = [
  ['a path', '../../etc'],
  ['an absolute path', '/etc/passwd'],
  ['65 characters', `1.${'2'.repeat(63)}`],
  ['letters', '1.2.abc.4'],
  ['an empty string', ''],
  ['a trailing NUL', '1.2.840.113619.2.55\0'],
  ['a leading-zero component', '1.2.03.4'],
  ['a backslash', '1.2\\3'],
  ['a non-ASCII letter', '1.2.\u00e9'],
  ['a control character', '1.2\u00073'],
];

async function expectNothingStored(harness: StorageHarness): Promise<void> {
  expect(await harness.blobFiles()).toEqual([]);
  expect(await harness.runtime.index.countInstances()).toBe(0);
  expect(await harness.runtime.index.pending(10)).toEqual([]);
}

function expectFailure(response: StoreResponse, status: number): void {
  expect(response.status, response.errorComment).toBe(status);
  expect(response.errorComment.length).toBeGreaterThan(0);
  expect(response.errorComment.length).toBeLessThanOrEqual(64);
  // LO: the default repertoire, and no backslash (it would split the comment into values).
  expect(response.errorComment).toMatch(/^[\x20-\x5b\x5d-\x7e]+$/);
  expect(response.duplicate).toBe(false);
}

describe('Storage.Store refuses what it must not store', () => {
  let harness: StorageHarness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });
  afterEach(async () => {
    await expectNothingStored(harness);
  });

  describe.each(HOSTILE_UIDS)('a header UID that is %s', (_what, hostile) => {
    it('as SOP Instance UID: C000 with a comment naming the field', async () => {
      const uids = { ...newUids(), sopInstanceUid: hostile };
      const response = await harness.store(
        storeHeader(uids.sopClassUid, hostile, EXPLICIT_VR_LITTLE_ENDIAN),
        chunked(smallDataSet(uids), 64),
      );
      expectFailure(response, Status.CannotUnderstand);
      expect(response.errorComment).toContain('SOP Instance UID');
    });

    it('as SOP Class UID: C000', async () => {
      const uids = newUids();
      const response = await harness.store(
        storeHeader(hostile, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
        chunked(smallDataSet(uids), 64),
      );
      expectFailure(response, Status.CannotUnderstand);
      expect(response.errorComment).toContain('SOP Class UID');
    });

    it('as Transfer Syntax UID: C000', async () => {
      const uids = newUids();
      const response = await harness.store(
        storeHeader(uids.sopClassUid, uids.sopInstanceUid, hostile),
        chunked(smallDataSet(uids), 64),
      );
      expectFailure(response, Status.CannotUnderstand);
      expect(response.errorComment).toContain('Transfer Syntax UID');
    });
  });

  // In a data set, trailing NUL is the standard padding of a UI value: not hostile there.
  const HOSTILE_IN_DATA_SET = HOSTILE_UIDS.filter(([what]) => what !== 'a trailing NUL');

  it.each(HOSTILE_IN_DATA_SET)(
    'a Study Instance UID in the data set that is %s: A900',
    async (_what, hostile) => {
      const uids = { ...newUids(), studyInstanceUid: hostile };
      const response = await harness.store(
        storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
        chunked(smallDataSet(uids), 64),
      );
      // An empty value is "missing", anything else invalid: both are A900 with the field named.
      expectFailure(response, Status.DataSetDoesNotMatchSopClass);
      expect(response.errorComment).toContain('Study Instance UID');
    },
  );

  it('a transfer syntax we do not know: C000', async () => {
    const uids = newUids();
    const response = await harness.store(
      storeHeader(uids.sopClassUid, uids.sopInstanceUid, '1.2.840.10008.1.2.4.999'),
      chunked(smallDataSet(uids), 64),
    );
    expectFailure(response, Status.CannotUnderstand);
  });

  it.each([
    ['a query SOP class', STUDY_ROOT_FIND],
    ['a private SOP class', PRIVATE_SOP_CLASS],
  ])('%s: 0122 SOP Class Not Supported', async (_what, sopClassUid) => {
    const uids = newUids(sopClassUid);
    const response = await harness.store(
      storeHeader(sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(smallDataSet(uids), 64),
    );
    expectFailure(response, Status.SopClassNotSupported);
  });

  it('a data set whose SOP Instance UID differs from the request: A900', async () => {
    const uids = newUids();
    const response = await harness.store(
      storeHeader(uids.sopClassUid, newUids().sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(smallDataSet(uids), 7),
    );
    expectFailure(response, Status.DataSetDoesNotMatchSopClass);
    expect(response.errorComment).toContain('SOP Instance UID');
  });

  it('a data set whose SOP Class UID differs from the request: A900', async () => {
    const uids = newUids(CT_IMAGE_STORAGE);
    const response = await harness.store(
      storeHeader('1.2.840.10008.5.1.4.1.1.4', uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(smallDataSet(uids), 7),
    );
    expectFailure(response, Status.DataSetDoesNotMatchSopClass);
    expect(response.errorComment).toContain('SOP Class UID');
  });

  it('a data set without its SOP Instance UID: A900', async () => {
    const uids = newUids();
    const full = smallDataSet(uids);
    // Drop the SOP Class UID and SOP Instance UID elements (the first two).
    const classLength = 8 + full.readUInt16LE(6);
    const instanceLength = 8 + full.readUInt16LE(classLength + 6);
    const response = await harness.store(
      storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      [full.subarray(classLength + instanceLength)],
    );
    expectFailure(response, Status.DataSetDoesNotMatchSopClass);
  });

  it('a data set cut inside an element: C000', async () => {
    const uids = newUids();
    const full = smallDataSet(uids);
    const response = await harness.store(
      storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(full.subarray(0, 20), 7),
    );
    expectFailure(response, Status.CannotUnderstand);
  });

  it('bytes that are not a data set: C000', async () => {
    const uids = newUids();
    const response = await harness.store(
      storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      [Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n')],
    );
    expectFailure(response, Status.CannotUnderstand);
  });
});

describe('Storage.Store with acceptUnknownSopClasses', () => {
  let harness: StorageHarness;

  beforeAll(async () => {
    harness = await startHarness({ acceptUnknownSopClasses: true });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('stores a private SOP class', async () => {
    const uids = newUids(PRIVATE_SOP_CLASS);
    const response = await harness.store(
      storeHeader(PRIVATE_SOP_CLASS, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(smallDataSet(uids), 64),
    );
    expect(response).toEqual({ status: Status.Success, errorComment: '', duplicate: false });
    const instance = await harness.runtime.index.getInstance(uids.sopInstanceUid);
    expect(instance?.sopClassUid).toBe(PRIVATE_SOP_CLASS);
    expect(await harness.blobFiles()).toEqual([`blobs/${instance?.blobKey}`]);
  });

  it('still refuses a hostile SOP Instance UID', async () => {
    const uids = newUids(PRIVATE_SOP_CLASS);
    const before = await harness.blobFiles();
    const response = await harness.store(
      storeHeader(PRIVATE_SOP_CLASS, '../../x', EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(smallDataSet(uids), 64),
    );
    expectFailure(response, Status.CannotUnderstand);
    expect(await harness.blobFiles()).toEqual(before);
  });
});
