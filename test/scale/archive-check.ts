/**
 * What the archive holds, asked as a modality would through the DICOM port: the SOP Instance UIDs of a
 * series (C-FIND, Study Root, IMAGE level) and the data sets of a series (C-GET, SERIES level, each
 * sub-operation's data set hashed as it streams in, never buffered whole).
 */
import { createHash } from 'node:crypto';
import { decodeIdentifier, encodeIdentifier, TransferSyntaxUid } from '@dicomesh/dicom';
import {
  connectScu,
  type DimseClient,
  queryRetrieveContexts,
  type RetrieveResponse,
  storageContexts,
  storageScpRoles,
  verificationContext,
} from '@dicomesh/dimse';
import { GATEWAY_AE_TITLE, SECONDARY_CAPTURE_IMAGE_STORAGE } from '../support/scu.ts';
import type { WorkerSeries } from './store-stream.ts';

const CHECK_SCU_AE_TITLE = 'SCALESCU';
const SUCCESS = 0x0000;

/** An association through `port` for C-FIND and C-GET, with the SCP role for Secondary Capture. */
export function connectChecker(port: number): Promise<DimseClient> {
  return connectScu({
    host: '127.0.0.1',
    port,
    callingAeTitle: CHECK_SCU_AE_TITLE,
    calledAeTitle: GATEWAY_AE_TITLE,
    contexts: [
      verificationContext(),
      ...queryRetrieveContexts(),
      ...storageContexts([SECONDARY_CAPTURE_IMAGE_STORAGE], [TransferSyntaxUid.ExplicitVrLittleEndian]),
    ],
    roles: storageScpRoles([SECONDARY_CAPTURE_IMAGE_STORAGE]),
  });
}

/** C-FIND IMAGE level in the series: the SOP Instance UIDs found, or throws on a final status other than Success. */
export async function findInstances(client: DimseClient, series: WorkerSeries): Promise<Set<string>> {
  const op = await client.find('study', (ts) =>
    Buffer.from(
      encodeIdentifier(
        {
          QueryRetrieveLevel: 'IMAGE',
          StudyInstanceUID: series.studyInstanceUid,
          SeriesInstanceUID: series.seriesInstanceUid,
          SOPInstanceUID: '',
        },
        ts,
      ),
    ),
  );
  const found = new Set<string>();
  for await (const match of op) {
    if (match.identifier === undefined) continue;
    const uid = decodeIdentifier(match.identifier, op.transferSyntaxUid).SOPInstanceUID;
    if (typeof uid === 'string') found.add(uid);
  }
  const result = await op.result;
  if (result.status !== SUCCESS) {
    throw new Error(`C-FIND answered 0x${result.status.toString(16)} ${result.errorComment ?? ''}`);
  }
  return found;
}

export interface GetResult {
  readonly response: RetrieveResponse;
  /** SHA-256 (hex) of each data set received, by SOP Instance UID. */
  readonly sha256ByUid: ReadonlyMap<string, string>;
}

/** C-GET of the series: every instance comes back on this association as a C-STORE sub-operation. */
export async function getSeries(client: DimseClient, series: WorkerSeries): Promise<GetResult> {
  const sha256ByUid = new Map<string, string>();
  const op = await client.get(
    'study',
    (ts) =>
      Buffer.from(
        encodeIdentifier(
          {
            QueryRetrieveLevel: 'SERIES',
            StudyInstanceUID: series.studyInstanceUid,
            SeriesInstanceUID: series.seriesInstanceUid,
          },
          ts,
        ),
      ),
    async (rq) => {
      const hash = createHash('sha256');
      for await (const chunk of rq.dataset) hash.update(chunk as Buffer);
      sha256ByUid.set(rq.affectedSopInstanceUid, hash.digest('hex'));
      return { status: SUCCESS };
    },
  );
  for await (const _ of op) {
    // pending responses carry the sub-operation counts; the final one is in op.result
  }
  return { response: await op.result, sha256ByUid };
}
