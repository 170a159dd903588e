/**
 * The Query/Retrieve information models of PS3.4 C.6 as data: the levels of each model, the unique key
 * of each level, where the index keeps each level (table and its `attributes` column), and which
 * attributes the index computes (C.6.1.1.x, C.6.2.1.x: the Number of ... Related ... and ...InStudy keys).
 */
import { LEVEL_ATTRIBUTES } from '@dicomesh/archive';

export const QueryLevel = {
  Patient: 'PATIENT',
  Study: 'STUDY',
  Series: 'SERIES',
  Image: 'IMAGE',
} as const;
export type QueryLevel = (typeof QueryLevel)[keyof typeof QueryLevel];

export const Model = {
  PatientRoot: 'patient-root',
  StudyRoot: 'study-root',
} as const;
export type Model = (typeof Model)[keyof typeof Model];

/** Levels of each model, top down (PS3.4 C.6.1 and C.6.2). */
export const MODEL_LEVELS: Readonly<Record<Model, readonly QueryLevel[]>> = {
  [Model.PatientRoot]: [QueryLevel.Patient, QueryLevel.Study, QueryLevel.Series, QueryLevel.Image],
  [Model.StudyRoot]: [QueryLevel.Study, QueryLevel.Series, QueryLevel.Image],
};

/** Where the index keeps a level: tables of libs/archive's migration 0001, aliased in every query. */
export const LevelTable = {
  [QueryLevel.Patient]: { table: 'patients', alias: 'p' },
  [QueryLevel.Study]: { table: 'studies', alias: 'st' },
  [QueryLevel.Series]: { table: 'series', alias: 'se' },
  [QueryLevel.Image]: { table: 'instances', alias: 'i' },
} as const satisfies Record<QueryLevel, { table: string; alias: string }>;

/** Depth of each level in the index (patient 0 .. image 3), whatever the model. */
export const LEVEL_DEPTH: Readonly<Record<QueryLevel, number>> = {
  [QueryLevel.Patient]: 0,
  [QueryLevel.Study]: 1,
  [QueryLevel.Series]: 2,
  [QueryLevel.Image]: 3,
};
export const LEVELS_BY_DEPTH: readonly QueryLevel[] = [
  QueryLevel.Patient,
  QueryLevel.Study,
  QueryLevel.Series,
  QueryLevel.Image,
];

/** The unique key of each level (PS3.4 C.6.1.1 / C.6.2.1) as a keyword and a DICOM JSON tag. */
export const UNIQUE_KEYS: Readonly<Record<QueryLevel, { keyword: string; tag: string }>> = {
  [QueryLevel.Patient]: { keyword: 'PatientID', tag: '00100020' },
  [QueryLevel.Study]: { keyword: 'StudyInstanceUID', tag: '0020000D' },
  [QueryLevel.Series]: { keyword: 'SeriesInstanceUID', tag: '0020000E' },
  [QueryLevel.Image]: { keyword: 'SOPInstanceUID', tag: '00080018' },
};

/**
 * The level the index stores an attribute at (its tag in DICOM JSON): the patient, study and series
 * lists of libs/archive; every other attribute is an instance's.
 */
const STORED_LEVEL: ReadonlyMap<string, QueryLevel> = new Map([
  ...LEVEL_ATTRIBUTES.patient.map((tag) => [tag, QueryLevel.Patient] as const),
  ...LEVEL_ATTRIBUTES.study.map((tag) => [tag, QueryLevel.Study] as const),
  ...LEVEL_ATTRIBUTES.series.map((tag) => [tag, QueryLevel.Series] as const),
]);

/** Attributes of the image level by definition (PS3.4 C.6.1.1.5), never taken from a representative instance. */
const IMAGE_LEVEL_TAGS: ReadonlySet<string> = new Set([
  '00080016', // SOP Class UID
  '00080018', // SOP Instance UID
  '00200013', // Instance Number
  '00080008', // Image Type
  '00080023', // Content Date
  '00080033', // Content Time
  '00280010', // Rows
  '00280011', // Columns
  '00280008', // Number of Frames
]);

export function storedLevel(tag: string): QueryLevel | undefined {
  return STORED_LEVEL.get(tag);
}

export function isImageLevelTag(tag: string): boolean {
  return IMAGE_LEVEL_TAGS.has(tag) || tag === UNIQUE_KEYS[QueryLevel.Image].tag;
}

/** Attributes the index computes from the hierarchy, with the levels they are defined at. */
export const ComputedKey = {
  NumberOfPatientRelatedStudies: '00201200',
  NumberOfPatientRelatedSeries: '00201202',
  NumberOfPatientRelatedInstances: '00201204',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  ModalitiesInStudy: '00080061',
  SopClassesInStudy: '00080062',
} as const;
export type ComputedKey = (typeof ComputedKey)[keyof typeof ComputedKey];

export const COMPUTED_KEY_LEVEL: Readonly<Record<ComputedKey, QueryLevel>> = {
  [ComputedKey.NumberOfPatientRelatedStudies]: QueryLevel.Patient,
  [ComputedKey.NumberOfPatientRelatedSeries]: QueryLevel.Patient,
  [ComputedKey.NumberOfPatientRelatedInstances]: QueryLevel.Patient,
  [ComputedKey.NumberOfStudyRelatedSeries]: QueryLevel.Study,
  [ComputedKey.NumberOfStudyRelatedInstances]: QueryLevel.Study,
  [ComputedKey.NumberOfSeriesRelatedInstances]: QueryLevel.Series,
  [ComputedKey.ModalitiesInStudy]: QueryLevel.Study,
  [ComputedKey.SopClassesInStudy]: QueryLevel.Study,
};

export function isComputedKey(tag: string): tag is ComputedKey {
  return Object.hasOwn(COMPUTED_KEY_LEVEL, tag);
}

/** Keys every response carries whatever was asked (PS3.4 C.4.1.2.1 and C.6.1.1.1). */
export const QUERY_RETRIEVE_LEVEL_TAG = '00080052';
export const RETRIEVE_AE_TITLE_TAG = '00080054';
export const SPECIFIC_CHARACTER_SET_TAG = '00080005';

/**
 * The level a key belongs to in a query at `level` of `model`: its own stored level, except that the
 * Study Root model folds patient attributes into the study level (C.6.2.1.2). Keys the index keeps
 * only with instances belong to the image level when they are image attributes by definition, and
 * otherwise to whatever level is asked (answered from a representative instance of the entity).
 */
export function keyLevel(tag: string, level: QueryLevel, model: Model): QueryLevel {
  if (isComputedKey(tag)) return COMPUTED_KEY_LEVEL[tag];
  const stored = storedLevel(tag);
  if (stored === undefined) return isImageLevelTag(tag) ? QueryLevel.Image : level;
  if (model === Model.StudyRoot && stored === QueryLevel.Patient) return QueryLevel.Study;
  return stored;
}
