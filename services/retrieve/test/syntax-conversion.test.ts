/**
 * Objects travel as stored whenever the peer accepted that syntax; between the uncompressed syntaxes
 * they are converted when they must be; a compressed object that no accepted context can carry fails its
 * sub-operation (C-GET and C-MOVE alike).
 */
import { encodeIdentifier, generateUid } from '@dicomesh/dicom';
import { connectScu, queryRetrieveContexts, storageContexts, storageScpRoles } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AE_TITLE, type Harness, startHarness, startTestDestination } from './support/retrieve-harness.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const RLE_FILE = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_RLE.dcm';
const RLE_STUDY = '1.3.6.1.4.1.5962.1.2.4.20040826185059.5457';

const studyKey = (studyUid: string) => (ts: string) =>
  Buffer.from(encodeIdentifier({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: studyUid }, ts));

describe('transfer syntaxes of retrieved objects', () => {
  let h: Harness;
  const study = generateUid();
  let uids: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    uids = await h.storeSeries('TS-1', study, generateUid(), 3);
    await h.storeFiles([RLE_FILE], ['-xr']);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('C-GET converts Explicit VR Little Endian to the Implicit VR the requestor accepted; RLE fails', async () => {
    const client = await connectScu({
      host: '127.0.0.1',
      port: h.port,
      callingAeTitle: 'GETSCU',
      calledAeTitle: AE_TITLE,
      contexts: [...queryRetrieveContexts(), ...storageContexts([CT, MR], [IMPLICIT_LE])],
      roles: storageScpRoles([CT, MR]),
    });
    const syntaxes: string[] = [];
    const onStore = async (rq: { transferSyntaxUid: string; dataset: AsyncIterable<unknown> }) => {
      for await (const _ of rq.dataset) {
        // received
      }
      syntaxes.push(rq.transferSyntaxUid);
      return { status: 0 };
    };
    const converted = await (await client.get('study', studyKey(study), onStore)).result;
    expect(converted.status).toBe(0);
    expect(converted.counts).toMatchObject({ completed: uids.length, failed: 0 });
    expect(syntaxes).toEqual(uids.map(() => IMPLICIT_LE));

    const rle = await (await client.get('study', studyKey(RLE_STUDY), onStore)).result;
    await client.association.release();
    expect(rle.status).toBe(0xa702);
    expect(rle.counts).toMatchObject({ completed: 0, failed: 1 });
    expect(rle.failedSopInstanceUids.length).toBe(1);
  }, 60_000);

  it('C-MOVE to a destination taking only Explicit VR Big Endian: converted, and RLE fails', async () => {
    const destination = await startTestDestination('BIGENDIAN', () => undefined, [EXPLICIT_BE]);
    h.destinations.add('BIGENDIAN', destination.port);
    try {
      const client = await connectScu({
        host: '127.0.0.1',
        port: h.port,
        callingAeTitle: 'MOVESCU',
        calledAeTitle: AE_TITLE,
        contexts: queryRetrieveContexts(),
      });
      const moved = await (await client.move('study', 'BIGENDIAN', studyKey(study))).result;
      const rle = await (await client.move('study', 'BIGENDIAN', studyKey(RLE_STUDY))).result;
      await client.association.release();
      expect(moved.status).toBe(0);
      expect(destination.received.map((r) => r.transferSyntaxUid)).toEqual(uids.map(() => EXPLICIT_BE));
      expect(rle.status).toBe(0xa702);
      expect(rle.counts).toMatchObject({ completed: 0, failed: 1 });
    } finally {
      await destination.close();
    }
  }, 60_000);
});
