/**
 * One C-STORE's index work as one statement: `dicomesh_store_instance` upserts patient, study and series,
 * inserts (or, with overwrite, replaces) the instance and writes the outbox row, in the one transaction of
 * its statement. Storage then needs one round trip per object instead of a dozen (BEGIN, a read, three
 * upserts, the instance, the outbox, COMMIT), and the server caches the plans of the function's statements.
 *
 * What it keeps of the statements it replaces:
 * - an instance already stored, without overwrite: 'duplicate' with the stored blob key, nothing written;
 * - rows are locked in one order only, patient -> study -> series -> instance (no deadlock between an
 *   overwrite and a store of the same instance);
 * - a patient, study and series that already hold what the record brings are only read (no write, no lock):
 *   concurrent stores into one study run side by side;
 * - a store that loses the race for a new instance (without overwrite) raises SQLSTATE `DM001`, so its
 *   statement rolls back whole and changes nothing; the caller answers it as a duplicate.
 *
 * A later change to the function is a new migration with `CREATE OR REPLACE FUNCTION` (or a new name).
 */
export const version = 3;
export const name = 'store-instance-function';

/** SQLSTATE of a store that found the instance inserted by a concurrent transaction (no overwrite). */
export const LOST_INSERT_RACE_SQLSTATE = 'DM001';

/** The function's name; its parameters are listed in `STORE_INSTANCE_PARAMETERS` order. */
export const STORE_INSTANCE_FUNCTION = 'dicomesh_store_instance';

/** Parameters of the function, in order (the index builds its call from this list). */
export const STORE_INSTANCE_PARAMETERS = [
  ['p_patient_id', 'text'],
  ['p_issuer_of_patient_id', 'text'],
  ['p_patient_name', 'text'],
  ['p_patient_birth_date', 'text'],
  ['p_patient_sex', 'text'],
  ['p_patient_attributes', 'jsonb'],
  ['p_study_instance_uid', 'text'],
  ['p_study_date', 'text'],
  ['p_study_time', 'text'],
  ['p_accession_number', 'text'],
  ['p_study_id', 'text'],
  ['p_study_description', 'text'],
  ['p_referring_physician_name', 'text'],
  ['p_study_attributes', 'jsonb'],
  ['p_series_instance_uid', 'text'],
  ['p_modality', 'text'],
  ['p_series_number', 'integer'],
  ['p_series_description', 'text'],
  ['p_series_attributes', 'jsonb'],
  ['p_sop_instance_uid', 'text'],
  ['p_sop_class_uid', 'text'],
  ['p_instance_number', 'integer'],
  ['p_transfer_syntax_uid', 'text'],
  ['p_specific_character_set', 'text'],
  ['p_blob_key', 'text'],
  ['p_size', 'bigint'],
  ['p_sha256', 'text'],
  ['p_data_set_offset', 'bigint'],
  ['p_source_ae_title', 'text'],
  ['p_instance_attributes', 'jsonb'],
  ['p_subject', 'text'],
  ['p_msg_id', 'text'],
  ['p_payload', 'jsonb'],
  ['p_headers', 'jsonb'],
  ['p_overwrite', 'boolean'],
] as const;

/** An insert that conflicts, then finds no row to replace (deleted meanwhile), is tried this often. */
const MAX_INSERT_ATTEMPTS = 3;

/** `column` already holds what the upsert of `param` would leave there (COALESCE keeps it when null). */
const kept = (column: string, param: string) => `(${param} IS NULL OR ${column} = ${param})`;
/** Every attribute of `param` is already in `table.attributes` with the same value (the upsert merges). */
const merged = (table: string, param: string) =>
  `NOT EXISTS (SELECT 1 FROM jsonb_each(${param}) e WHERE ${table}.attributes -> e.key IS DISTINCT FROM e.value)`;

const INSTANCE_VALUES = `p_sop_instance_uid, v_series, p_sop_class_uid, p_instance_number, p_transfer_syntax_uid,
      p_specific_character_set, p_blob_key, p_size, p_sha256, p_data_set_offset, p_source_ae_title,
      p_instance_attributes`;
const INSTANCE_COLUMNS = `sop_instance_uid, series_fk, sop_class_uid, instance_number, transfer_syntax_uid,
      specific_character_set, blob_key, size, sha256, data_set_offset, source_ae_title, attributes`;

const FUNCTION_BODY = `
DECLARE
  v_patient bigint;
  v_study bigint;
  v_series bigint;
  v_old text;
  v_attempt integer := 0;
BEGIN
  -- Fast path, no lock taken: an instance already stored is a duplicate without touching the hierarchy.
  IF NOT p_overwrite THEN
    SELECT i.blob_key INTO v_old FROM instances i WHERE i.sop_instance_uid = p_sop_instance_uid;
    IF FOUND THEN
      o_outcome := 'duplicate';
      o_blob_key := v_old;
      RETURN;
    END IF;
  END IF;

  -- Patient, study and series unchanged (usual for every later instance of a study): read, never locked.
  SELECT se.id INTO v_series
    FROM patients p
    JOIN studies st ON st.patient_fk = p.id
    JOIN series se ON se.study_fk = st.id
    WHERE p.patient_id = p_patient_id AND p.issuer_of_patient_id = p_issuer_of_patient_id
      AND ${kept('p.patient_name', 'p_patient_name')} AND ${kept('p.patient_birth_date', 'p_patient_birth_date')}
      AND ${kept('p.patient_sex', 'p_patient_sex')} AND ${merged('p', 'p_patient_attributes')}
      AND st.study_instance_uid = p_study_instance_uid
      AND ${kept('st.study_date', 'p_study_date')} AND ${kept('st.study_time', 'p_study_time')}
      AND ${kept('st.accession_number', 'p_accession_number')} AND ${kept('st.study_id', 'p_study_id')}
      AND ${kept('st.study_description', 'p_study_description')}
      AND ${kept('st.referring_physician_name', 'p_referring_physician_name')} AND ${merged('st', 'p_study_attributes')}
      AND se.series_instance_uid = p_series_instance_uid
      AND ${kept('se.modality', 'p_modality')} AND ${kept('se.series_number', 'p_series_number')}
      AND ${kept('se.series_description', 'p_series_description')} AND ${merged('se', 'p_series_attributes')};

  IF v_series IS NULL THEN
    -- Locks in one order: patient, study, series (then the instance below).
    INSERT INTO patients AS t (patient_id, issuer_of_patient_id, patient_name, patient_birth_date, patient_sex, attributes)
      VALUES (p_patient_id, p_issuer_of_patient_id, p_patient_name, p_patient_birth_date, p_patient_sex,
        p_patient_attributes)
      ON CONFLICT (patient_id, issuer_of_patient_id) DO UPDATE SET
        patient_name = COALESCE(EXCLUDED.patient_name, t.patient_name),
        patient_birth_date = COALESCE(EXCLUDED.patient_birth_date, t.patient_birth_date),
        patient_sex = COALESCE(EXCLUDED.patient_sex, t.patient_sex),
        attributes = t.attributes || EXCLUDED.attributes,
        updated_at = now()
      RETURNING t.id INTO v_patient;
    INSERT INTO studies AS t (study_instance_uid, patient_fk, study_date, study_time, accession_number, study_id,
        study_description, referring_physician_name, attributes)
      VALUES (p_study_instance_uid, v_patient, p_study_date, p_study_time, p_accession_number, p_study_id,
        p_study_description, p_referring_physician_name, p_study_attributes)
      ON CONFLICT (study_instance_uid) DO UPDATE SET
        patient_fk = EXCLUDED.patient_fk,
        study_date = COALESCE(EXCLUDED.study_date, t.study_date),
        study_time = COALESCE(EXCLUDED.study_time, t.study_time),
        accession_number = COALESCE(EXCLUDED.accession_number, t.accession_number),
        study_id = COALESCE(EXCLUDED.study_id, t.study_id),
        study_description = COALESCE(EXCLUDED.study_description, t.study_description),
        referring_physician_name = COALESCE(EXCLUDED.referring_physician_name, t.referring_physician_name),
        attributes = t.attributes || EXCLUDED.attributes,
        updated_at = now()
      RETURNING t.id INTO v_study;
    INSERT INTO series AS t (series_instance_uid, study_fk, modality, series_number, series_description, attributes)
      VALUES (p_series_instance_uid, v_study, p_modality, p_series_number, p_series_description, p_series_attributes)
      ON CONFLICT (series_instance_uid) DO UPDATE SET
        study_fk = EXCLUDED.study_fk,
        modality = COALESCE(EXCLUDED.modality, t.modality),
        series_number = COALESCE(EXCLUDED.series_number, t.series_number),
        series_description = COALESCE(EXCLUDED.series_description, t.series_description),
        attributes = t.attributes || EXCLUDED.attributes,
        updated_at = now()
      RETURNING t.id INTO v_series;
  END IF;

  LOOP
    INSERT INTO instances (${INSTANCE_COLUMNS}) VALUES (${INSTANCE_VALUES})
      ON CONFLICT (sop_instance_uid) DO NOTHING;
    IF FOUND THEN
      o_outcome := 'stored';
      EXIT;
    END IF;
    -- Another transaction stored it (waited for and committed by now).
    IF NOT p_overwrite THEN
      RAISE EXCEPTION 'instance % was stored by a concurrent transaction', p_sop_instance_uid
        USING ERRCODE = '${LOST_INSERT_RACE_SQLSTATE}';
    END IF;
    SELECT i.blob_key INTO v_old FROM instances i WHERE i.sop_instance_uid = p_sop_instance_uid FOR UPDATE;
    IF FOUND THEN
      UPDATE instances SET (${INSTANCE_COLUMNS}, received_at) = (${INSTANCE_VALUES}, now())
        WHERE sop_instance_uid = p_sop_instance_uid;
      o_outcome := 'replaced';
      o_blob_key := v_old;
      EXIT;
    END IF;
    v_attempt := v_attempt + 1;
    IF v_attempt >= ${MAX_INSERT_ATTEMPTS} THEN
      RAISE EXCEPTION 'instance % conflicts on insert but cannot be found to replace', p_sop_instance_uid;
    END IF;
  END LOOP;

  INSERT INTO outbox (subject, msg_id, payload, headers) VALUES (p_subject, p_msg_id, p_payload, p_headers);
END`;

const SIGNATURE = STORE_INSTANCE_PARAMETERS.map(([param, type]) => `${param} ${type}`).join(', ');

export const statements: readonly string[] = [
  `CREATE FUNCTION ${STORE_INSTANCE_FUNCTION}(${SIGNATURE}, OUT o_outcome text, OUT o_blob_key text)
  LANGUAGE plpgsql AS $store$${FUNCTION_BODY}$store$`,
];
