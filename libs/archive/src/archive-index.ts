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
/** An insert that conflicts, then finds no row to replace (deleted meanwhile), is retried this often. */
const MAX_INSERT_ATTEMPTS = 3;

/** Thrown inside the store transaction to roll it back when a concurrent store won the race. */
class LostInsertRace extends Error {}

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

    async storeInstance(record, event, options) {
      try {
        return await client.transaction((tx) => storeInTransaction(tx, record, event, options.overwrite));
      } catch (error) {
        if (error instanceof LostInsertRace) return { outcome: 'duplicate' };
        throw error;
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

/**
 * Rows are locked in one order only, patient -> study -> series -> instance, so concurrent stores never
 * deadlock (an overwrite that locked the instance first and then waited for the patient row would, against
 * a store of the same instance holding the patient row and inserting the instance).
 */
async function storeInTransaction(
  tx: SqlClient,
  record: InstanceRecord,
  event: OutboxEvent,
  overwrite: boolean,
): Promise<{ outcome: StoreOutcome; replacedBlobKey?: BlobKey }> {
  // Fast path, no lock taken: an instance already stored is a duplicate without touching the hierarchy.
  if (!overwrite && (await storedBlobKey(tx, record.sopInstanceUid, '')) !== undefined) {
    return { outcome: 'duplicate' };
  }
  const seriesFk = await upsertHierarchy(tx, record);
  let replaced: BlobKey | undefined;
  let outcome: StoreOutcome | undefined;
  for (let attempt = 0; outcome === undefined; attempt++) {
    const { rows } = await tx.query<{ id: unknown }>(
      `INSERT INTO instances (${INSTANCE_COLUMNS}) VALUES (${INSTANCE_PLACEHOLDERS})
       ON CONFLICT (sop_instance_uid) DO NOTHING RETURNING id`,
      instanceParams(record, seriesFk),
    );
    if (rows.length > 0) {
      outcome = 'stored';
      break;
    }
    // Another transaction stored it (waited for and committed by now).
    if (!overwrite) throw new LostInsertRace();
    replaced = await storedBlobKey(tx, record.sopInstanceUid, 'FOR UPDATE');
    if (replaced !== undefined) {
      await tx.query(
        `UPDATE instances SET (${INSTANCE_COLUMNS}, received_at) = (${INSTANCE_PLACEHOLDERS}, now())
         WHERE sop_instance_uid = $1`,
        instanceParams(record, seriesFk),
      );
      outcome = 'replaced';
    } else if (attempt >= MAX_INSERT_ATTEMPTS) {
      throw new Error(`instance ${record.sopInstanceUid} conflicts on insert but cannot be found to replace`);
    }
  }

  await tx.query(
    'INSERT INTO outbox (subject, msg_id, payload, headers) VALUES ($1, $2, $3::text::jsonb, $4::text::jsonb)',
    [text(event.subject), text(event.msgId), json(event.payload), json(event.headers)],
  );
  const replacedBlobKey = replaced !== undefined && replaced !== record.blobKey ? replaced : undefined;
  return replacedBlobKey === undefined ? { outcome } : { outcome, replacedBlobKey };
}

/** The blob key of a stored instance; with 'FOR UPDATE' its row stays locked until the transaction ends. */
async function storedBlobKey(
  tx: SqlClient,
  sopInstanceUid: string,
  lock: '' | 'FOR UPDATE',
): Promise<BlobKey | undefined> {
  const { rows } = await tx.query<{ blob_key: string }>(
    `SELECT blob_key FROM instances WHERE sop_instance_uid = $1 ${lock}`,
    [text(sopInstanceUid)],
  );
  return rows[0]?.blob_key as BlobKey | undefined;
}

/**
 * The series id for `record`, its patient, study and series inserted or updated as needed. When all three
 * rows already hold what the record brings (every later instance of a study, usually), one read answers and
 * nothing is written or locked: concurrent stores into one study then run side by side instead of queueing
 * on the patient row until each commit.
 */
async function upsertHierarchy(tx: SqlClient, record: InstanceRecord): Promise<number> {
  const levels = hierarchyParams(record);
  const { rows } = await tx.query<{ series_fk: string | number | null }>(CURRENT_HIERARCHY, [
    ...levels.patient,
    ...levels.study.slice(2),
    ...levels.series.slice(2),
    levels.study[0],
    levels.series[0],
  ]);
  const current = rows[0]?.series_fk;
  if (current !== null && current !== undefined) return Number(current);

  const patientFk = await returningId(tx, UPSERT_PATIENT, levels.patient);
  const studyFk = await returningId(tx, UPSERT_STUDY, [levels.study[0], patientFk, ...levels.study.slice(2)]);
  return returningId(tx, UPSERT_SERIES, [levels.series[0], studyFk, ...levels.series.slice(2)]);
}

/**
 * Per level, the parameters of its upsert: patient ($1 id, $2 issuer, $3-$5, $6 attributes); study and series
 * ($1 UID, $2 parent id filled in later, then their columns, attributes last).
 */
function hierarchyParams(record: InstanceRecord): {
  patient: unknown[];
  study: unknown[];
  series: unknown[];
} {
  return {
    patient: [
      text(record.patientId) ?? '',
      issuerOfPatientId(record.attributes),
      text(record.patientName),
      text(record.patientBirthDate),
      text(record.patientSex),
      levelJson(record, 'patient'),
    ],
    study: [
      text(record.studyInstanceUid),
      undefined,
      text(record.studyDate),
      text(record.studyTime),
      text(record.accessionNumber),
      text(record.studyId),
      text(record.studyDescription),
      text(record.referringPhysicianName),
      levelJson(record, 'study'),
    ],
    series: [
      text(record.seriesInstanceUid),
      undefined,
      text(record.modality),
      int32(record.seriesNumber),
      text(record.seriesDescription),
      levelJson(record, 'series'),
    ],
  };
}

/** `column` already holds what an upsert of `$n` would leave there (COALESCE keeps it when `$n` is null). */
const kept = (column: string, param: string, type = 'text') =>
  `(${param}::${type} IS NULL OR ${column} = ${param})`;
/** Every attribute of `$n` is already in `attributes` with the same value (the upsert merges with `||`). */
const merged = (table: string, param: string) =>
  `NOT EXISTS (SELECT 1 FROM jsonb_each(${param}::text::jsonb) e WHERE ${table}.attributes -> e.key IS DISTINCT FROM e.value)`;

/**
 * The series id if patient, study and series all exist, are linked as the record says and would not change;
 * else null. Parameters: patient $1-$6, study columns $7-$13, series columns $14-$17, study UID $18, series UID $19.
 */
const CURRENT_HIERARCHY = `WITH p AS (
    SELECT id FROM patients
    WHERE patient_id = $1 AND issuer_of_patient_id = $2 AND ${kept('patient_name', '$3')}
      AND ${kept('patient_birth_date', '$4')} AND ${kept('patient_sex', '$5')} AND ${merged('patients', '$6')}
  ), st AS (
    SELECT studies.id FROM studies JOIN p ON studies.patient_fk = p.id
    WHERE study_instance_uid = $18 AND ${kept('study_date', '$7')} AND ${kept('study_time', '$8')}
      AND ${kept('accession_number', '$9')} AND ${kept('study_id', '$10')} AND ${kept('study_description', '$11')}
      AND ${kept('referring_physician_name', '$12')} AND ${merged('studies', '$13')}
  )
  SELECT (SELECT series.id FROM series JOIN st ON series.study_fk = st.id
    WHERE series_instance_uid = $19 AND ${kept('modality', '$14')} AND ${kept('series_number', '$15', 'integer')}
      AND ${kept('series_description', '$16')} AND ${merged('series', '$17')}) AS series_fk`;

const UPSERT_PATIENT = `INSERT INTO patients (patient_id, issuer_of_patient_id, patient_name, patient_birth_date, patient_sex, attributes)
  VALUES ($1, $2, $3, $4, $5, $6::text::jsonb)
  ON CONFLICT (patient_id, issuer_of_patient_id) DO UPDATE SET
    patient_name = COALESCE(EXCLUDED.patient_name, patients.patient_name),
    patient_birth_date = COALESCE(EXCLUDED.patient_birth_date, patients.patient_birth_date),
    patient_sex = COALESCE(EXCLUDED.patient_sex, patients.patient_sex),
    attributes = patients.attributes || EXCLUDED.attributes,
    updated_at = now()
  RETURNING id`;

const UPSERT_STUDY = `INSERT INTO studies (study_instance_uid, patient_fk, study_date, study_time, accession_number, study_id,
    study_description, referring_physician_name, attributes)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb)
  ON CONFLICT (study_instance_uid) DO UPDATE SET
    patient_fk = EXCLUDED.patient_fk,
    study_date = COALESCE(EXCLUDED.study_date, studies.study_date),
    study_time = COALESCE(EXCLUDED.study_time, studies.study_time),
    accession_number = COALESCE(EXCLUDED.accession_number, studies.accession_number),
    study_id = COALESCE(EXCLUDED.study_id, studies.study_id),
    study_description = COALESCE(EXCLUDED.study_description, studies.study_description),
    referring_physician_name = COALESCE(EXCLUDED.referring_physician_name, studies.referring_physician_name),
    attributes = studies.attributes || EXCLUDED.attributes,
    updated_at = now()
  RETURNING id`;

const UPSERT_SERIES = `INSERT INTO series (series_instance_uid, study_fk, modality, series_number, series_description, attributes)
  VALUES ($1, $2, $3, $4, $5, $6::text::jsonb)
  ON CONFLICT (series_instance_uid) DO UPDATE SET
    study_fk = EXCLUDED.study_fk,
    modality = COALESCE(EXCLUDED.modality, series.modality),
    series_number = COALESCE(EXCLUDED.series_number, series.series_number),
    series_description = COALESCE(EXCLUDED.series_description, series.series_description),
    attributes = series.attributes || EXCLUDED.attributes,
    updated_at = now()
  RETURNING id`;

const INSTANCE_COLUMNS = `sop_instance_uid, series_fk, sop_class_uid, instance_number, transfer_syntax_uid,
  specific_character_set, blob_key, size, sha256, data_set_offset, source_ae_title, attributes`;
const INSTANCE_PLACEHOLDERS = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb';

function instanceParams(record: InstanceRecord, seriesFk: number): unknown[] {
  return [
    text(record.sopInstanceUid),
    seriesFk,
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
  ];
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

async function returningId(tx: SqlClient, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await tx.query<{ id: string | number }>(sql, params);
  const id = rows[0]?.id;
  if (id === undefined) throw new Error(`upsert returned no id: ${sql.slice(0, 40)}`);
  return Number(id);
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
