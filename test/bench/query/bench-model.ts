/**
 * The benchmark's archive, one definition for both sides: instance n (1-based) of an index of `sizes`
 * as a keyword -> value identifier (what the Orthanc side encodes and uploads), and the same attributes
 * as SQL expressions over the ordinals p (patient), s (study), e (series), n (instance), so that
 * PostgreSQL generates the dicomesh index itself. `index-generator.ts` checks that both agree with what
 * storage's parser reads from the encoded object.
 *
 * Layout: series are contiguous per study and instances per series (as they arrive); study s belongs
 * to patient ((s-1)*7919 mod P)+1, which spreads each patient's studies over time.
 */
import type { Identifier } from '@dicomesh/dicom';

export interface IndexSizes {
  readonly patients: number;
  readonly studies: number;
  readonly series: number;
  readonly instances: number;
}

export const FULL_SIZES: IndexSizes = {
  patients: 10_000,
  studies: 20_000,
  series: 100_000,
  instances: 1_000_000,
};
export const QUICK_SIZES: IndexSizes = {
  patients: 1_000,
  studies: 2_000,
  series: 10_000,
  instances: 100_000,
};

/** A prime coprime with every patient count used: study s -> patient is a 2-to-1 spread, not a block. */
const PATIENT_STRIDE = 7919;
const UID_ROOT = '1.2.826.0.1.3680043.10.1011';
const FIRST_STUDY_DATE = Date.UTC(2015, 0, 1);
const STUDY_DAYS = 3650;
const BIRTH_DAYS = 25_000;
const FIRST_BIRTH_DATE = Date.UTC(1930, 0, 1);
const DAY_MS = 86_400_000;

export const SURNAMES = [
  'SMITH',
  'JOHNSON',
  'WILLIAMS',
  'BROWN',
  'JONES',
  'GARCIA',
  'MILLER',
  'DAVIS',
  'RODRIGUEZ',
  'MARTINEZ',
  'HERNANDEZ',
  'LOPEZ',
  'GONZALEZ',
  'WILSON',
  'ANDERSON',
  'THOMAS',
  'TAYLOR',
  'MOORE',
  'JACKSON',
  'MARTIN',
  'LEE',
  'PEREZ',
  'THOMPSON',
  'WHITE',
  'HARRIS',
  'SANCHEZ',
  'CLARK',
  'RAMIREZ',
  'LEWIS',
  'ROBINSON',
  'WALKER',
  'YOUNG',
  'ALLEN',
  'KING',
  'WRIGHT',
  'SCOTT',
  'TORRES',
  'NGUYEN',
  'HILL',
  'FLORES',
  'GREEN',
  'ADAMS',
  'NELSON',
  'BAKER',
  'HALL',
  'RIVERA',
  'CAMPBELL',
  'MITCHELL',
  'CARTER',
  'ROBERTS',
  'MULLER',
  'SCHMIDT',
  'SCHNEIDER',
  'FISCHER',
  'WEBER',
  'MEYER',
  'WAGNER',
  'BECKER',
  'SCHULZ',
  'HOFFMANN',
  'DUBOIS',
  'DURAND',
  'LEROY',
  'MOREAU',
  'SIMON',
  'LAURENT',
  'LEFEBVRE',
  'MICHEL',
  'GARNIER',
  'FAURE',
  'ROSSI',
  'RUSSO',
  'FERRARI',
  'ESPOSITO',
  'BIANCHI',
  'ROMANO',
  'COLOMBO',
  'RICCI',
  'MARINO',
  'GRECO',
  'JANSEN',
  'DEVRIES',
  'BAKKER',
  'VISSER',
  'SMIT',
  'MEIJER',
  'DEBOER',
  'MULDER',
  'DEGROOT',
  'BOS',
  'NOVAK',
  'SVOBODA',
  'DVORAK',
  'CERNY',
  'PROCHAZKA',
  'KUCERA',
  'VESELY',
  'HORAK',
  'NEMEC',
  'POKORNY',
] as const;
export const GIVEN_NAMES = [
  'JAMES',
  'MARY',
  'JOHN',
  'PATRICIA',
  'ROBERT',
  'JENNIFER',
  'MICHAEL',
  'LINDA',
  'WILLIAM',
  'ELIZABETH',
  'DAVID',
  'BARBARA',
  'RICHARD',
  'SUSAN',
  'JOSEPH',
  'JESSICA',
  'THOMAS',
  'SARAH',
  'CHARLES',
  'KAREN',
  'CHRISTOPHER',
  'NANCY',
  'DANIEL',
  'LISA',
  'MATTHEW',
  'BETTY',
  'ANTHONY',
  'MARGARET',
  'MARK',
  'SANDRA',
  'DONALD',
  'ASHLEY',
  'STEVEN',
  'KIMBERLY',
  'PAUL',
  'EMILY',
  'ANDREW',
  'DONNA',
  'JOSHUA',
  'MICHELLE',
  'KENNETH',
  'CAROL',
  'KEVIN',
  'AMANDA',
  'BRIAN',
  'DOROTHY',
  'GEORGE',
  'MELISSA',
  'TIMOTHY',
  'DEBORAH',
] as const;
const DESCRIPTIONS = ['CT CHEST', 'MR BRAIN', 'CR THORAX', 'US ABDOMEN'] as const;
const MODALITIES = ['CT', 'MR', 'CR', 'US'] as const;
const SOP_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.2',
  '1.2.840.10008.5.1.4.1.1.4',
  '1.2.840.10008.5.1.4.1.1.1',
  '1.2.840.10008.5.1.4.1.1.6.1',
] as const;

/** The ordinals above an entity. */
export function seriesOfInstance(sizes: IndexSizes, n: number): number {
  return Math.floor((n - 1) / (sizes.instances / sizes.series)) + 1;
}
export function studyOfSeries(sizes: IndexSizes, e: number): number {
  return Math.floor((e - 1) / (sizes.series / sizes.studies)) + 1;
}
export function patientOfStudy(sizes: IndexSizes, s: number): number {
  return (((s - 1) * PATIENT_STRIDE) % sizes.patients) + 1;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const day = (from: number, days: number) =>
  new Date(from + days * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');

export const patientId = (p: number) => `PID${pad(p, 7)}`;
export const patientName = (p: number) =>
  `${SURNAMES[(p - 1) % SURNAMES.length]}^${GIVEN_NAMES[Math.floor((p - 1) / SURNAMES.length) % GIVEN_NAMES.length]}`;
export const studyUid = (s: number) => `${UID_ROOT}.1.${s}`;
export const seriesUid = (e: number) => `${UID_ROOT}.2.${e}`;
export const instanceUid = (n: number) => `${UID_ROOT}.3.${n}`;
export const studyDate = (s: number) => day(FIRST_STUDY_DATE, (s * PATIENT_STRIDE) % STUDY_DAYS);

/** Instance n's data set (no pixel data: the index never holds it). */
export function benchInstance(sizes: IndexSizes, n: number): Identifier {
  const e = seriesOfInstance(sizes, n);
  const s = studyOfSeries(sizes, e);
  const p = patientOfStudy(sizes, s);
  const kind = (s - 1) % MODALITIES.length;
  const seriesNumber = ((e - 1) % (sizes.series / sizes.studies)) + 1;
  const instanceNumber = ((n - 1) % (sizes.instances / sizes.series)) + 1;
  const date = studyDate(s);
  const time = `${pad((s * 7) % 24, 2)}${pad((s * 13) % 60, 2)}${pad((s * 17) % 60, 2)}`;
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: SOP_CLASSES[kind]!,
    SOPInstanceUID: instanceUid(n),
    StudyDate: date,
    SeriesDate: date,
    ContentDate: date,
    StudyTime: time,
    SeriesTime: time,
    ContentTime: time,
    AccessionNumber: `ACC${pad(s, 8)}`,
    Modality: MODALITIES[kind]!,
    Manufacturer: 'DICOMESH BENCH',
    InstitutionName: 'GENERAL HOSPITAL',
    ReferringPhysicianName: `REFERRER^DOCTOR${s % 50}`,
    StationName: 'STATION1',
    StudyDescription: DESCRIPTIONS[kind]!,
    SeriesDescription: `SERIES ${seriesNumber}`,
    PatientName: patientName(p),
    PatientID: patientId(p),
    PatientBirthDate: day(FIRST_BIRTH_DATE, (p * 37) % BIRTH_DAYS),
    PatientSex: p % 2 === 0 ? 'M' : 'F',
    SliceThickness: 1.25,
    KVP: 120,
    PatientPosition: 'HFS',
    StudyInstanceUID: studyUid(s),
    SeriesInstanceUID: seriesUid(e),
    StudyID: String(s),
    SeriesNumber: seriesNumber,
    InstanceNumber: instanceNumber,
    ImagePositionPatient: [-250, -250, instanceNumber * 1.25],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    FrameOfReferenceUID: `${UID_ROOT}.4.${s}`,
    SliceLocation: instanceNumber * 1.25,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 512,
    Columns: 512,
    PixelSpacing: [0.48828125, 0.48828125],
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    WindowCenter: 40,
    WindowWidth: 400,
    RescaleIntercept: -1024,
    RescaleSlope: 1,
  };
}

/**
 * SQL for the same values, over integer ordinals `p`, `s`, `e`, `n` (columns of the generating SELECT):
 * a text or numeric expression by keyword (one per value for a multi-valued attribute). Keywords
 * missing here are the same in every instance.
 */
export function sqlExpressions(sizes: IndexSizes): Readonly<Record<string, string | readonly string[]>> {
  const perStudy = sizes.series / sizes.studies;
  const perSeries = sizes.instances / sizes.series;
  const list = (values: readonly string[]) => `(ARRAY[${values.map((v) => `'${v}'`).join(',')}])`;
  const kind = `((s - 1) % ${MODALITIES.length})`;
  const date = `to_char(date '2015-01-01' + ((s * ${PATIENT_STRIDE}) % ${STUDY_DAYS})::integer, 'YYYYMMDD')`;
  const time =
    "lpad(((s * 7) % 24)::text, 2, '0') || lpad(((s * 13) % 60)::text, 2, '0') || lpad(((s * 17) % 60)::text, 2, '0')";
  const seriesNumber = `((e - 1) % ${perStudy} + 1)`;
  const instanceNumber = `((n - 1) % ${perSeries} + 1)`;
  return {
    SOPClassUID: `${list(SOP_CLASSES)}[${kind} + 1]`,
    SOPInstanceUID: `'${UID_ROOT}.3.' || n`,
    StudyDate: date,
    SeriesDate: date,
    ContentDate: date,
    StudyTime: time,
    SeriesTime: time,
    ContentTime: time,
    AccessionNumber: `'ACC' || lpad(s::text, 8, '0')`,
    Modality: `${list(MODALITIES)}[${kind} + 1]`,
    ReferringPhysicianName: `'REFERRER^DOCTOR' || (s % 50)`,
    StudyDescription: `${list(DESCRIPTIONS)}[${kind} + 1]`,
    SeriesDescription: `'SERIES ' || ${seriesNumber}`,
    PatientName: `${list(SURNAMES)}[((p - 1) % ${SURNAMES.length}) + 1] || '^' || ${list(GIVEN_NAMES)}[((p - 1) / ${SURNAMES.length}) % ${GIVEN_NAMES.length} + 1]`,
    PatientID: `'PID' || lpad(p::text, 7, '0')`,
    PatientBirthDate: `to_char(date '1930-01-01' + ((p * 37) % ${BIRTH_DAYS})::integer, 'YYYYMMDD')`,
    PatientSex: "CASE WHEN p % 2 = 0 THEN 'M' ELSE 'F' END",
    StudyInstanceUID: `'${UID_ROOT}.1.' || s`,
    SeriesInstanceUID: `'${UID_ROOT}.2.' || e`,
    StudyID: 's::text',
    SeriesNumber: seriesNumber,
    InstanceNumber: instanceNumber,
    ImagePositionPatient: ['-250', '-250', `${instanceNumber} * 1.25`],
    FrameOfReferenceUID: `'${UID_ROOT}.4.' || s`,
    SliceLocation: `${instanceNumber} * 1.25`,
  };
}

/** The SQL ordinal expressions: series of n, study of e, patient of s. */
export function sqlOrdinals(sizes: IndexSizes) {
  return {
    seriesOfInstance: `((n - 1) / ${sizes.instances / sizes.series} + 1)`,
    studyOfSeries: `((e - 1) / ${sizes.series / sizes.studies} + 1)`,
    patientOfStudy: `(((s - 1) * ${PATIENT_STRIDE}) % ${sizes.patients} + 1)`,
  };
}
