/**
 * The identifier of a C-MOVE or C-GET (PS3.4 C.4.2.2.1, C.4.3.2.1): a Query/Retrieve Level and unique
 * keys only, the retrieve level's as a single value or a list of UIDs, those of the levels above as
 * single values when present. The information model comes from the SOP class.
 */
import { DicomError, decodeIdentifier, type Identifier, type IdentifierValue } from '@dicomesh/dicom';
import { QueryRetrieveSopClass } from '@dicomesh/dimse';
import { InformationModel } from '@dicomesh/rpc';
import { RetrieveFailedError } from './errors.js';
import { RetrieveStatus } from './retrieve-status.js';

export const RetrieveLevel = {
  Patient: 'PATIENT',
  Study: 'STUDY',
  Series: 'SERIES',
  Image: 'IMAGE',
} as const;
export type RetrieveLevel = (typeof RetrieveLevel)[keyof typeof RetrieveLevel];

export const RetrieveModel = { PatientRoot: 'patient-root', StudyRoot: 'study-root' } as const;
export type RetrieveModel = (typeof RetrieveModel)[keyof typeof RetrieveModel];

/** Levels of each model, top down (PS3.4 C.6.1, C.6.2). */
const MODEL_LEVELS: Readonly<Record<RetrieveModel, readonly RetrieveLevel[]>> = {
  [RetrieveModel.PatientRoot]: [
    RetrieveLevel.Patient,
    RetrieveLevel.Study,
    RetrieveLevel.Series,
    RetrieveLevel.Image,
  ],
  [RetrieveModel.StudyRoot]: [RetrieveLevel.Study, RetrieveLevel.Series, RetrieveLevel.Image],
};

/** The unique key of each level: keyword, tag (for Offending Element) and the index column holding it. */
export const UNIQUE_KEY: Readonly<Record<RetrieveLevel, { keyword: string; tag: number; column: string }>> = {
  [RetrieveLevel.Patient]: { keyword: 'PatientID', tag: 0x00100020, column: 'p.patient_id' },
  [RetrieveLevel.Study]: { keyword: 'StudyInstanceUID', tag: 0x0020000d, column: 'st.study_instance_uid' },
  [RetrieveLevel.Series]: { keyword: 'SeriesInstanceUID', tag: 0x0020000e, column: 'se.series_instance_uid' },
  [RetrieveLevel.Image]: { keyword: 'SOPInstanceUID', tag: 0x00080018, column: 'i.sop_instance_uid' },
};

const LEVEL_TAG = 0x00080052;

const MODEL_BY_SOP_CLASS: Readonly<Record<string, RetrieveModel>> = {
  [QueryRetrieveSopClass.PatientRootMove]: RetrieveModel.PatientRoot,
  [QueryRetrieveSopClass.PatientRootGet]: RetrieveModel.PatientRoot,
  [QueryRetrieveSopClass.StudyRootMove]: RetrieveModel.StudyRoot,
  [QueryRetrieveSopClass.StudyRootGet]: RetrieveModel.StudyRoot,
};

/** One unique key condition: the column equals one of the values. */
export interface KeyCondition {
  readonly level: RetrieveLevel;
  readonly values: readonly string[];
}

export interface RetrieveKeys {
  readonly model: RetrieveModel;
  readonly level: RetrieveLevel;
  /** Top down; the last one is the retrieve level's. */
  readonly conditions: readonly KeyCondition[];
}

export function modelOf(sopClassUid: string, informationModel: InformationModel): RetrieveModel {
  if (informationModel === InformationModel.INFORMATION_MODEL_PATIENT_ROOT) return RetrieveModel.PatientRoot;
  if (informationModel === InformationModel.INFORMATION_MODEL_STUDY_ROOT) return RetrieveModel.StudyRoot;
  const model = MODEL_BY_SOP_CLASS[sopClassUid];
  if (model === undefined) {
    throw new RetrieveFailedError(RetrieveStatus.IdentifierDoesNotMatchSopClass, 'SOP Class not supported');
  }
  return model;
}

function values(value: IdentifierValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split('\\') : [value];
  return list.map((v) => String(v).trim()).filter((v) => v.length > 0);
}

function decode(bytes: Uint8Array, transferSyntaxUid: string): Identifier {
  try {
    return decodeIdentifier(bytes, transferSyntaxUid);
  } catch (error) {
    if (error instanceof DicomError) {
      throw new RetrieveFailedError(RetrieveStatus.UnableToProcess, 'identifier: cannot be decoded', [], {
        cause: error,
      });
    }
    throw error;
  }
}

/** Reads the identifier; A900 with the offending element when it breaks C.4.2.2.1. */
export function parseRetrieveKeys(
  bytes: Uint8Array,
  transferSyntaxUid: string,
  model: RetrieveModel,
): RetrieveKeys {
  const identifier = decode(bytes, transferSyntaxUid);
  const levelText = values(identifier.QueryRetrieveLevel)[0] ?? '';
  const levels = MODEL_LEVELS[model];
  const depth = levels.indexOf(levelText as RetrieveLevel);
  if (depth < 0) {
    throw new RetrieveFailedError(
      RetrieveStatus.IdentifierDoesNotMatchSopClass,
      levelText === ''
        ? 'Query/Retrieve Level missing'
        : `Query/Retrieve Level ${levelText} not in this model`,
      [LEVEL_TAG],
    );
  }
  const level = levels[depth] as RetrieveLevel;
  const conditions: KeyCondition[] = [];
  for (const above of levels.slice(0, depth)) {
    const found = values(identifier[UNIQUE_KEY[above].keyword]);
    if (found.length > 1) {
      throw new RetrieveFailedError(
        RetrieveStatus.IdentifierDoesNotMatchSopClass,
        `${UNIQUE_KEY[above].keyword}: one value above the retrieve level`,
        [UNIQUE_KEY[above].tag],
      );
    }
    if (found.length === 1) conditions.push({ level: above, values: found });
  }
  const own = values(identifier[UNIQUE_KEY[level].keyword]);
  if (own.length === 0) {
    throw new RetrieveFailedError(
      RetrieveStatus.IdentifierDoesNotMatchSopClass,
      `${UNIQUE_KEY[level].keyword} missing at level ${level}`,
      [UNIQUE_KEY[level].tag],
    );
  }
  conditions.push({ level, values: own });
  return { model, level, conditions };
}
