/** Instance records and outbox events for index tests, with valid UIDs and keys. */
import { createHash } from 'node:crypto';
import { blobKeyFor, type InstanceRecord, type OutboxEvent } from '../../src/index.js';

const ROOT = '1.2.826.0.1.3680043.10.1234';
let counter = 0;

/** A unique UID under a test root. */
export function uid(): string {
  return `${ROOT}.${process.pid}.${Date.now()}.${++counter}`;
}

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface RecordParts {
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
  readonly patientId?: string;
  /** Content that the sha256 (and so the blob key) is computed from. */
  readonly content?: string;
}

export function instanceRecord(parts: RecordParts = {}): InstanceRecord {
  const studyInstanceUid = parts.studyInstanceUid ?? uid();
  const seriesInstanceUid = parts.seriesInstanceUid ?? uid();
  const sopInstanceUid = parts.sopInstanceUid ?? uid();
  const sha256 = sha256Of(parts.content ?? sopInstanceUid);
  const patientId = parts.patientId ?? 'PAT-1';
  return {
    patientId,
    patientName: 'Doe^Jane',
    patientBirthDate: '19700101',
    patientSex: 'F',
    studyInstanceUid,
    studyDate: '20260101',
    studyTime: '120000',
    accessionNumber: 'ACC1',
    studyId: 'S1',
    studyDescription: 'CT chest',
    referringPhysicianName: 'Who^Doctor',
    seriesInstanceUid,
    modality: 'CT',
    seriesNumber: 2,
    seriesDescription: 'axial',
    sopInstanceUid,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    instanceNumber: 7,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    specificCharacterSet: 'ISO_IR 100',
    attributes: {
      '00100020': { vr: 'LO', Value: [patientId] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
      '0020000D': { vr: 'UI', Value: [studyInstanceUid] },
      '0020000E': { vr: 'UI', Value: [seriesInstanceUid] },
      '00080060': { vr: 'CS', Value: ['CT'] },
      '00080018': { vr: 'UI', Value: [sopInstanceUid] },
    },
    blobKey: blobKeyFor({ studyInstanceUid, seriesInstanceUid, sopInstanceUid, sha256 }),
    size: 1234,
    sha256,
    dataSetOffset: 132,
    sourceAeTitle: 'MODALITY',
  };
}

export function storedEvent(record: InstanceRecord): OutboxEvent {
  return {
    subject: 'dicomesh.v1.instance.stored',
    msgId: `${record.sopInstanceUid}:${record.sha256}`,
    payload: {
      sopInstanceUid: record.sopInstanceUid,
      blobKey: record.blobKey,
      size: record.size,
    },
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  };
}
