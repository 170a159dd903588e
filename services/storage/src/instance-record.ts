/** The index record and the `instance.stored` event of a stored object, from what its data set said. */
import type { BlobWriteResult, InstanceRecord, OutboxEvent } from '@dicomesh/archive';
import type { Identifier, IdentifierValue } from '@dicomesh/dicom';
import { type InstanceStoredEvent, Subject } from '@dicomesh/events';
import type { ParsedObject } from './object-parser.js';

export interface StoredObject {
  readonly parsed: ParsedObject;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
  readonly blob: BlobWriteResult;
  readonly dataSetOffset: number;
  readonly sourceAeTitle: string;
}

function text(id: Identifier, keyword: string): string | undefined {
  const value: IdentifierValue | undefined = id[keyword];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.length > 0) return value.map(String).join('\\');
  return undefined;
}

function integer(id: Identifier, keyword: string): number | undefined {
  const value = id[keyword];
  const n = typeof value === 'number' ? value : Array.isArray(value) ? value[0] : undefined;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/** Optional fields only when present (exactOptionalPropertyTypes-friendly). */
function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function instanceRecord(object: StoredObject): InstanceRecord {
  const id = object.parsed.identifier;
  return {
    patientId: text(id, 'PatientID') ?? '',
    studyInstanceUid: object.studyInstanceUid,
    seriesInstanceUid: object.seriesInstanceUid,
    sopInstanceUid: object.sopInstanceUid,
    sopClassUid: object.sopClassUid,
    transferSyntaxUid: object.transferSyntaxUid,
    attributes: object.parsed.attributes,
    blobKey: object.blob.key,
    size: object.blob.size,
    sha256: object.blob.sha256,
    dataSetOffset: object.dataSetOffset,
    sourceAeTitle: object.sourceAeTitle,
    ...present({
      patientName: text(id, 'PatientName'),
      patientBirthDate: text(id, 'PatientBirthDate'),
      patientSex: text(id, 'PatientSex'),
      studyDate: text(id, 'StudyDate'),
      studyTime: text(id, 'StudyTime'),
      accessionNumber: text(id, 'AccessionNumber'),
      studyId: text(id, 'StudyID'),
      studyDescription: text(id, 'StudyDescription'),
      referringPhysicianName: text(id, 'ReferringPhysicianName'),
      modality: text(id, 'Modality'),
      seriesNumber: integer(id, 'SeriesNumber'),
      seriesDescription: text(id, 'SeriesDescription'),
      instanceNumber: integer(id, 'InstanceNumber'),
      specificCharacterSet: text(id, 'SpecificCharacterSet'),
    }),
  };
}

/** `dicomesh.v1.instance.stored`, de-duplicated by SOP Instance UID + content hash. */
export function instanceStoredEvent(
  object: StoredObject,
  headers: Readonly<Record<string, string>>,
  storedAt: Date,
): OutboxEvent {
  const payload: InstanceStoredEvent = {
    sopInstanceUid: object.sopInstanceUid,
    sopClassUid: object.sopClassUid,
    studyInstanceUid: object.studyInstanceUid,
    seriesInstanceUid: object.seriesInstanceUid,
    transferSyntaxUid: object.transferSyntaxUid,
    size: object.blob.size,
    sha256: object.blob.sha256,
    blobKey: object.blob.key,
    callingAeTitle: object.sourceAeTitle,
    storedAt: storedAt.toISOString(),
  };
  return {
    subject: Subject.InstanceStored,
    msgId: `${object.sopInstanceUid}:${object.blob.sha256}`,
    payload: { ...payload },
    headers,
  };
}
