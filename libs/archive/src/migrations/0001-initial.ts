/**
 * The first schema: patient, study, series and instance tables for storage and C-FIND, and the outbox.
 * Person names are kept as received (DICOM PN text) and indexed by lower(), for case-insensitive
 * matching later; dates and times stay DICOM text (YYYYMMDD sorts and ranges as text).
 */
export const version = 1;
export const name = 'initial';

export const statements: readonly string[] = [
  `CREATE TABLE patients (
    id bigserial PRIMARY KEY,
    patient_id text NOT NULL,
    issuer_of_patient_id text NOT NULL DEFAULT '',
    patient_name text,
    patient_birth_date text,
    patient_sex text,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (patient_id, issuer_of_patient_id)
  )`,
  'CREATE INDEX patients_patient_name_lower ON patients (lower(patient_name))',
  'CREATE INDEX patients_birth_date ON patients (patient_birth_date)',

  `CREATE TABLE studies (
    id bigserial PRIMARY KEY,
    study_instance_uid text NOT NULL UNIQUE,
    patient_fk bigint NOT NULL REFERENCES patients (id),
    study_date text,
    study_time text,
    accession_number text,
    study_id text,
    study_description text,
    referring_physician_name text,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX studies_patient_fk ON studies (patient_fk)',
  'CREATE INDEX studies_study_date ON studies (study_date, study_time)',
  'CREATE INDEX studies_accession_number ON studies (accession_number)',
  'CREATE INDEX studies_study_id ON studies (study_id)',
  'CREATE INDEX studies_referring_physician_lower ON studies (lower(referring_physician_name))',
  'CREATE INDEX studies_description_lower ON studies (lower(study_description))',

  `CREATE TABLE series (
    id bigserial PRIMARY KEY,
    series_instance_uid text NOT NULL UNIQUE,
    study_fk bigint NOT NULL REFERENCES studies (id),
    modality text,
    series_number integer,
    series_description text,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX series_study_fk ON series (study_fk)',
  'CREATE INDEX series_modality ON series (modality)',
  'CREATE INDEX series_number ON series (series_number)',

  `CREATE TABLE instances (
    id bigserial PRIMARY KEY,
    sop_instance_uid text NOT NULL UNIQUE,
    series_fk bigint NOT NULL REFERENCES series (id),
    sop_class_uid text NOT NULL,
    instance_number integer,
    transfer_syntax_uid text NOT NULL,
    specific_character_set text,
    blob_key text NOT NULL,
    size bigint NOT NULL,
    sha256 text NOT NULL,
    data_set_offset bigint NOT NULL,
    source_ae_title text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb
  )`,
  'CREATE INDEX instances_series_fk ON instances (series_fk)',
  'CREATE INDEX instances_sop_class_uid ON instances (sop_class_uid)',
  'CREATE INDEX instances_instance_number ON instances (instance_number)',
  'CREATE INDEX instances_received_at ON instances (received_at)',

  `CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    subject text NOT NULL,
    msg_id text NOT NULL,
    payload jsonb NOT NULL,
    headers jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
  )`,
  'CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL',
];
