/**
 * Fills a migrated, empty dicomesh index with the benchmark's archive, directly in PostgreSQL: one
 * INSERT ... SELECT over generate_series per level (instances in slices, for progress), every level's
 * `attributes` built by the server from the SQL expressions of bench-model.ts, then ANALYZE. Afterwards
 * `verifyIndex` reads a few entities back and checks them against what storage's ObjectParser reads
 * from the same instances encoded as DICOM (the jsonb storage would have written), so the generated
 * index cannot drift from the real one unnoticed.
 */
import { isDeepStrictEqual } from 'node:util';
import { type IndexLevel, LEVEL_ATTRIBUTES, pickLevelAttributes, type SqlClient } from '@dicomesh/archive';
import {
  encodeIdentifier,
  type IdentifierValue,
  lookupElement,
  TransferSyntaxUid,
  tagToHex,
  toDicomJson,
} from '@dicomesh/dicom';
import { ObjectParser } from '@dicomesh/storage';
import {
  benchInstance,
  type IndexSizes,
  patientOfStudy,
  seriesOfInstance,
  sqlExpressions,
  sqlOrdinals,
  studyOfSeries,
} from './bench-model.ts';

const INSTANCE_SLICE = 100_000;
const LEVELS: readonly IndexLevel[] = ['patient', 'study', 'series'];

type Level = IndexLevel | 'instance';

function levelOf(tag: string): Level {
  for (const level of LEVELS) if ((LEVEL_ATTRIBUTES[level] as readonly string[]).includes(tag)) return level;
  return 'instance';
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The jsonb expression of one level's attributes: constants as one literal, the rest built per row. */
export function levelJson(sizes: IndexSizes, level: Level): string {
  const sample = benchInstance(sizes, 1);
  const expressions = sqlExpressions(sizes);
  const constants: Record<string, IdentifierValue> = {};
  const built: string[] = [];
  for (const [keyword, value] of Object.entries(sample)) {
    const entry = lookupElement(keyword);
    if (entry === undefined) throw new Error(`bench model: unknown keyword ${keyword}`);
    const tag = tagToHex(entry.tag);
    if (levelOf(tag) !== level) continue;
    const expression = expressions[keyword];
    if (expression === undefined) {
      constants[keyword] = value;
      continue;
    }
    const values = (typeof expression === 'string' ? [expression] : expression).map((x) =>
      entry.vr === 'PN' ? `jsonb_build_object('Alphabetic', ${x})` : `to_jsonb(${x})`,
    );
    built.push(
      `'${tag}', jsonb_build_object('vr', '${entry.vr}', 'Value', jsonb_build_array(${values.join(', ')}))`,
    );
  }
  const literal = `${quote(JSON.stringify(toDicomJson(constants)))}::jsonb`;
  return built.length === 0 ? literal : `${literal} || jsonb_build_object(${built.join(', ')})`;
}

/** The statements that fill the index, in order (each one statement; `label` for progress). */
export function generatorStatements(sizes: IndexSizes): { label: string; sql: string }[] {
  const x = sqlExpressions(sizes);
  const o = sqlOrdinals(sizes);
  const statements = [
    {
      label: `${sizes.patients} patients`,
      sql: `INSERT INTO patients (id, patient_id, issuer_of_patient_id, patient_name, patient_birth_date, patient_sex, attributes)
        SELECT p, ${x.PatientID}, '', ${x.PatientName}, ${x.PatientBirthDate}, ${x.PatientSex}, ${levelJson(sizes, 'patient')}
        FROM generate_series(1, ${sizes.patients}) AS p`,
    },
    {
      label: `${sizes.studies} studies`,
      sql: `INSERT INTO studies (id, study_instance_uid, patient_fk, study_date, study_time, accession_number, study_id,
          study_description, referring_physician_name, attributes)
        SELECT s, ${x.StudyInstanceUID}, p, ${x.StudyDate}, ${x.StudyTime}, ${x.AccessionNumber}, ${x.StudyID},
          ${x.StudyDescription}, ${x.ReferringPhysicianName}, ${levelJson(sizes, 'study')}
        FROM (SELECT s, ${o.patientOfStudy} AS p FROM generate_series(1, ${sizes.studies}) AS s) g`,
    },
    {
      label: `${sizes.series} series`,
      sql: `INSERT INTO series (id, series_instance_uid, study_fk, modality, series_number, series_description, attributes)
        SELECT e, ${x.SeriesInstanceUID}, s, ${x.Modality}, ${x.SeriesNumber}, ${x.SeriesDescription}, ${levelJson(sizes, 'series')}
        FROM (SELECT e, ${o.studyOfSeries} AS s FROM generate_series(1, ${sizes.series}) AS e) g`,
    },
  ];
  for (let first = 1; first <= sizes.instances; first += INSTANCE_SLICE) {
    const last = Math.min(sizes.instances, first + INSTANCE_SLICE - 1);
    statements.push({
      label: `instances ${first}-${last}`,
      sql: `INSERT INTO instances (id, sop_instance_uid, series_fk, sop_class_uid, instance_number, transfer_syntax_uid,
          specific_character_set, blob_key, size, sha256, data_set_offset, source_ae_title, attributes)
        SELECT n, ${x.SOPInstanceUID}, e, ${x.SOPClassUID}, ${x.InstanceNumber}, '${TransferSyntaxUid.ExplicitVrLittleEndian}',
          'ISO_IR 100', 'bench/' || n, 2048, repeat('0', 64), 0, 'BENCH',
          pt.attributes || st.attributes || se.attributes || ${levelJson(sizes, 'instance')}
        FROM (SELECT n, e, s, ${o.patientOfStudy} AS p
              FROM (SELECT n, e, ${o.studyOfSeries} AS s
                    FROM (SELECT n, ${o.seriesOfInstance} AS e FROM generate_series(${first}, ${last}) AS n) a) b) g
        JOIN patients pt ON pt.id = g.p JOIN studies st ON st.id = g.s JOIN series se ON se.id = g.e`,
    });
  }
  for (const table of ['patients', 'studies', 'series', 'instances']) {
    statements.push({
      label: `${table} sequence`,
      sql: `SELECT setval('${table}_id_seq', (SELECT max(id) FROM ${table}))`,
    });
  }
  statements.push({ label: 'analyze', sql: 'ANALYZE' });
  return statements;
}

export async function generateIndex(
  sql: SqlClient,
  sizes: IndexSizes,
  progress: (label: string, ms: number) => void,
): Promise<void> {
  for (const statement of generatorStatements(sizes)) {
    const started = performance.now();
    await sql.query(statement.sql);
    progress(statement.label, performance.now() - started);
  }
}

/** What storage's parser reads from instance n encoded as Explicit VR Little Endian. */
async function parsedAttributes(sizes: IndexSizes, n: number): Promise<Record<string, unknown>> {
  const ts = TransferSyntaxUid.ExplicitVrLittleEndian;
  const parser = new ObjectParser(ts);
  await parser.push(encodeIdentifier(benchInstance(sizes, n), ts));
  return (await parser.end()).attributes as Record<string, unknown>;
}

/** JSON as the index returns it (numbers as JSON numbers). */
const canonical = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** Throws when the generated rows of a few sample instances differ from what storage would have written. */
export async function verifyIndex(sql: SqlClient, sizes: IndexSizes): Promise<void> {
  const samples = [1, Math.floor(sizes.instances / 2) + 7, sizes.instances];
  for (const n of samples) {
    const expected = await parsedAttributes(sizes, n);
    const e = seriesOfInstance(sizes, n);
    const s = studyOfSeries(sizes, e);
    const p = patientOfStudy(sizes, s);
    const identifier = benchInstance(sizes, n);
    const rows: [string, number, Record<string, unknown>][] = [
      ['instance', n, expected],
      ['series', e, pickLevelAttributes(expected, 'series')],
      ['study', s, pickLevelAttributes(expected, 'study')],
      ['patient', p, pickLevelAttributes(expected, 'patient')],
    ];
    const tables: Record<string, string> = {
      instance: 'instances',
      series: 'series',
      study: 'studies',
      patient: 'patients',
    };
    for (const [level, id, want] of rows) {
      const { rows: found } = await sql.query<{ attributes: unknown }>(
        `SELECT attributes FROM ${tables[level]} WHERE id = $1`,
        [id],
      );
      if (!isDeepStrictEqual(canonical(found[0]?.attributes), canonical(want))) {
        throw new Error(
          `generated ${level} ${id} differs from what storage writes:\n got ${JSON.stringify(found[0]?.attributes)}\nwant ${JSON.stringify(want)}`,
        );
      }
    }
    const { rows: columns } = await sql.query<Record<string, unknown>>(
      `SELECT p.patient_id, p.patient_name, st.study_date, st.study_time, se.modality, se.series_number, i.instance_number
       FROM instances i JOIN series se ON se.id = i.series_fk JOIN studies st ON st.id = se.study_fk
       JOIN patients p ON p.id = st.patient_fk WHERE i.id = $1`,
      [n],
    );
    const want = {
      patient_id: identifier.PatientID,
      patient_name: identifier.PatientName,
      study_date: identifier.StudyDate,
      study_time: identifier.StudyTime,
      modality: identifier.Modality,
      series_number: identifier.SeriesNumber,
      instance_number: identifier.InstanceNumber,
    };
    if (!isDeepStrictEqual(columns[0], want)) {
      throw new Error(
        `generated columns of instance ${n}: got ${JSON.stringify(columns[0])}, want ${JSON.stringify(want)}`,
      );
    }
  }
}
