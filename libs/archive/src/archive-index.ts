import type {
  BlobKey,
  InstanceRecord,
  OutboxEvent,
  OutboxRow,
  OutboxStore,
  StorageIndex,
  StoreOutcome,
} from './archive-api.js';
import { type IndexLevel, pickLevelAttributes } from './level-attributes.js';
import {
  LOST_INSERT_RACE_SQLSTATE,
  STORE_INSTANCE_FUNCTION,
  STORE_INSTANCE_PARAMETERS,
} from './migrations/0003-store-instance-function.js';
import type { SqlClient } from './sql-client.js';

/** An instance as the index holds it: the stored record plus what the index added. */
export interface StoredInstance extends InstanceRecord {
  readonly issuerOfPatientId: string;
  readonly receivedAt: Date;
}

/** The index over a migrated database (see `migrate`): what storage, the relay and retrieve ask of it. */
export interface ArchiveIndex extends StorageIndex, OutboxStore {
  countInstances(): Promise<number>;
  getInstance(sopInstanceUid: string): Promise<StoredInstance | undefined>;
}

const ISSUER_OF_PATIENT_ID = '00100021';
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function createArchiveIndex(client: SqlClient): ArchiveIndex {
  return {
    async findInstance(sopInstanceUid) {
      const { rows } = await client.query<{ blob_key: string; sha256: string }>(
        'SELECT blob_key, sha256 FROM instances WHERE sop_instance_uid = $1',
        [text(sopInstanceUid)],
      );
      const row = rows[0];
      return row === undefined ? undefined : { blobKey: row.blob_key as BlobKey, sha256: row.sha256 };
    },

    /**
     * One statement (its own transaction): see migration 0003 for what `dicomesh_store_instance` does. A
     * store that lost the race for a new instance was rolled back whole; it is a duplicate of the winner's.
     */
    async storeInstance(record, event, options) {
      try {
        const { rows } = await client.query<{ o_outcome: StoreOutcome; o_blob_key: string | null }>(
          STORE_INSTANCE,
          storeParams(record, event, options.overwrite),
          { name: STORE_INSTANCE_STATEMENT },
        );
        const row = rows[0];
        if (row === undefined) throw new Error(`${STORE_INSTANCE_FUNCTION} returned no row`);
        const key = row.o_blob_key === null ? undefined : (row.o_blob_key as BlobKey);
        if (row.o_outcome === 'duplicate') return { outcome: 'duplicate', storedBlobKey: key as BlobKey };
        if (row.o_outcome === 'replaced' && key !== undefined && key !== record.blobKey) {
          return { outcome: 'replaced', replacedBlobKey: key };
        }
        return { outcome: row.o_outcome };
      } catch (error) {
        if (!isLostInsertRace(error)) throw error;
        const stored = await this.findInstance(record.sopInstanceUid);
        if (stored === undefined) throw error;
        return { outcome: 'duplicate', storedBlobKey: stored.blobKey };
      }
    },

    async pending(limit) {
      const { rows } = await client.query<{
        id: string | number;
        subject: string;
        msg_id: string;
        payload: Record<string, unknown>;
        headers: Record<string, string>;
      }>(
        'SELECT id, subject, msg_id, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
        [limit],
      );
      return rows.map(
        (row): OutboxRow => ({
          id: Number(row.id),
          subject: row.subject,
          msgId: row.msg_id,
          payload: row.payload,
          headers: row.headers,
        }),
      );
    },

    async markPublished(ids) {
      if (ids.length === 0) return;
      const list = ids.map((id) => {
        if (!Number.isSafeInteger(id)) throw new RangeError(`outbox id ${id} is not an integer`);
        return id;
      });
      await client.query(
        'UPDATE outbox SET published_at = now() WHERE id = ANY($1::text::bigint[]) AND published_at IS NULL',
        [`{${list.join(',')}}`],
      );
    },

    async countInstances() {
      const { rows } = await client.query<{ count: number | string }>(
        'SELECT count(*) AS count FROM instances',
      );
      return Number(rows[0]?.count ?? 0);
    },

    async getInstance(sopInstanceUid) {
      const { rows } = await client.query<InstanceRow>(`${SELECT_INSTANCE} WHERE i.sop_instance_uid = $1`, [
        text(sopInstanceUid),
      ]);
      const row = rows[0];
      return row === undefined ? undefined : toStoredInstance(row);
    },
  };
}

/** `SELECT o_outcome, o_blob_key FROM dicomesh_store_instance($1, ..., $n)` with each parameter cast to its type. */
const STORE_INSTANCE = `SELECT o_outcome, o_blob_key FROM ${STORE_INSTANCE_FUNCTION}(${STORE_INSTANCE_PARAMETERS.map(
  ([, type], i) => (type === 'jsonb' ? `$${i + 1}::text::jsonb` : `$${i + 1}::${type}`),
).join(', ')})`;
/** Prepared once per connection (PostgreSQL), so the call is neither parsed nor planned again. */
const STORE_INSTANCE_STATEMENT = 'dicomesh_store_instance_v3';

/** The function's arguments, in `STORE_INSTANCE_PARAMETERS` order. */
function storeParams(record: InstanceRecord, event: OutboxEvent, overwrite: boolean): unknown[] {
  return [
    text(record.patientId) ?? '',
    issuerOfPatientId(record.attributes),
    text(record.patientName),
    text(record.patientBirthDate),
    text(record.patientSex),
    levelJson(record, 'patient'),
    text(record.studyInstanceUid),
    text(record.studyDate),
    text(record.studyTime),
    text(record.accessionNumber),
    text(record.studyId),
    text(record.studyDescription),
    text(record.referringPhysicianName),
    levelJson(record, 'study'),
    text(record.seriesInstanceUid),
    text(record.modality),
    int32(record.seriesNumber),
    text(record.seriesDescription),
    levelJson(record, 'series'),
    text(record.sopInstanceUid),
    text(record.sopClassUid),
    int32(record.instanceNumber),
    text(record.transferSyntaxUid),
    text(record.specificCharacterSet),
    record.blobKey,
    record.size,
    text(record.sha256),
    record.dataSetOffset,
    text(record.sourceAeTitle),
    json(record.attributes),
    text(event.subject),
    text(event.msgId),
    json(event.payload),
    json(event.headers),
    overwrite,
  ];
}

function isLostInsertRace(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : undefined;
  return [error, cause].some(
    (e) =>
      typeof e === 'object' && e !== null && (e as { code?: unknown }).code === LOST_INSERT_RACE_SQLSTATE,
  );
}

const SELECT_INSTANCE = `SELECT p.patient_id, p.issuer_of_patient_id, p.patient_name, p.patient_birth_date, p.patient_sex,
    st.study_instance_uid, st.study_date, st.study_time, st.accession_number, st.study_id, st.study_description,
    st.referring_physician_name, se.series_instance_uid, se.modality, se.series_number, se.series_description,
    i.sop_instance_uid, i.sop_class_uid, i.instance_number, i.transfer_syntax_uid, i.specific_character_set,
    i.attributes, i.blob_key, i.size, i.sha256, i.data_set_offset, i.source_ae_title, i.received_at
  FROM instances i
  JOIN series se ON se.id = i.series_fk
  JOIN studies st ON st.id = se.study_fk
  JOIN patients p ON p.id = st.patient_fk`;

interface InstanceRow {
  patient_id: string;
  issuer_of_patient_id: string;
  patient_name: string | null;
  patient_birth_date: string | null;
  patient_sex: string | null;
  study_instance_uid: string;
  study_date: string | null;
  study_time: string | null;
  accession_number: string | null;
  study_id: string | null;
  study_description: string | null;
  referring_physician_name: string | null;
  series_instance_uid: string;
  modality: string | null;
  series_number: number | null;
  series_description: string | null;
  sop_instance_uid: string;
  sop_class_uid: string;
  instance_number: number | null;
  transfer_syntax_uid: string;
  specific_character_set: string | null;
  attributes: Record<string, unknown>;
  blob_key: string;
  size: string | number;
  sha256: string;
  data_set_offset: string | number;
  source_ae_title: string;
  received_at: Date | string;
}

function toStoredInstance(row: InstanceRow): StoredInstance {
  const optional = <K extends string, V>(key: K, value: V | null) =>
    (value === null ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    patientId: row.patient_id,
    issuerOfPatientId: row.issuer_of_patient_id,
    ...optional('patientName', row.patient_name),
    ...optional('patientBirthDate', row.patient_birth_date),
    ...optional('patientSex', row.patient_sex),
    studyInstanceUid: row.study_instance_uid,
    ...optional('studyDate', row.study_date),
    ...optional('studyTime', row.study_time),
    ...optional('accessionNumber', row.accession_number),
    ...optional('studyId', row.study_id),
    ...optional('studyDescription', row.study_description),
    ...optional('referringPhysicianName', row.referring_physician_name),
    seriesInstanceUid: row.series_instance_uid,
    ...optional('modality', row.modality),
    ...optional('seriesNumber', row.series_number),
    ...optional('seriesDescription', row.series_description),
    sopInstanceUid: row.sop_instance_uid,
    sopClassUid: row.sop_class_uid,
    ...optional('instanceNumber', row.instance_number),
    transferSyntaxUid: row.transfer_syntax_uid,
    ...optional('specificCharacterSet', row.specific_character_set),
    attributes: row.attributes,
    blobKey: row.blob_key as BlobKey,
    size: Number(row.size),
    sha256: row.sha256,
    dataSetOffset: Number(row.data_set_offset),
    sourceAeTitle: row.source_ae_title,
    receivedAt: new Date(row.received_at),
  };
}

function issuerOfPatientId(attributes: Readonly<Record<string, unknown>>): string {
  const element = attributes[ISSUER_OF_PATIENT_ID] as { Value?: unknown[] } | undefined;
  const value = element?.Value?.[0];
  return typeof value === 'string' ? (text(value) ?? '') : '';
}

/** PostgreSQL text cannot hold NUL: strip it (DICOM pads with it; hostile data sets may embed it). */
function text(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.includes('\0') ? value.replaceAll('\0', '') : value;
}

function int32(value: number | undefined): number | null {
  return value !== undefined && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
    ? value
    : null;
}

/** JSON for a jsonb parameter: no NUL (jsonb refuses \u0000), bigint as number or string. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return v.includes('\0') ? v.replaceAll('\0', '') : v;
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return v;
  });
}

function levelJson(record: InstanceRecord, level: IndexLevel): string {
  return json(pickLevelAttributes(record.attributes, level));
}
