/**
 * The benchmark's C-FIND queries (Study Root, as workstations ask), each with the required keys of its
 * level (PS3.4 C.6.2.1) and a parameter that changes from one query to the next, drawn from the part
 * of the archive the target holds (`complete*`: entities whose instances are all there).
 */
import type { Identifier } from '@dicomesh/dicom';
import {
  GIVEN_NAMES,
  type IndexSizes,
  patientId,
  patientOfStudy,
  SURNAMES,
  seriesUid,
  studyDate,
  studyOfSeries,
  studyUid,
} from './bench-model.ts';

export interface FindQuery {
  readonly name: string;
  readonly level: 'STUDY' | 'SERIES' | 'IMAGE';
  /** The i-th identifier of the run. */
  identifier(i: number): Identifier;
}

/** What of the archive a target holds: the first `series` series (and so the first `studies` studies) whole. */
export interface Population {
  readonly sizes: IndexSizes;
  readonly studies: number;
  readonly series: number;
}

/** A small deterministic generator (mulberry32): the same parameters in every run and for every target. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STUDY_KEYS = {
  StudyDate: '',
  StudyTime: '',
  AccessionNumber: '',
  PatientName: '',
  PatientID: '',
  StudyID: '',
  StudyInstanceUID: '',
} as const satisfies Identifier;

const addDays = (date: string, days: number) => {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
};

export const DATE_RANGE_DAYS = 7;

export function findQueries(population: Population): FindQuery[] {
  const { sizes } = population;
  const pick = (seed: number, count: number) => {
    const next = random(seed);
    return () => Math.floor(next() * count) + 1;
  };
  const study = pick(1, population.studies);
  const series = pick(2, population.series);
  const nameStudy = pick(3, population.studies);
  const dateStudy = pick(4, population.studies);
  const patientStudy = pick(5, population.studies);
  return [
    {
      name: 'study by PatientID',
      level: 'STUDY',
      identifier: () => ({
        QueryRetrieveLevel: 'STUDY',
        ...STUDY_KEYS,
        PatientID: patientId(patientOfStudy(sizes, patientStudy())),
      }),
    },
    {
      name: `studies in a ${DATE_RANGE_DAYS}-day range`,
      level: 'STUDY',
      identifier: () => {
        const from = studyDate(dateStudy());
        return {
          QueryRetrieveLevel: 'STUDY',
          ...STUDY_KEYS,
          StudyDate: `${from}-${addDays(from, DATE_RANGE_DAYS - 1)}`,
        };
      },
    },
    {
      name: 'studies by wildcard name',
      level: 'STUDY',
      identifier: () => {
        const p = patientOfStudy(sizes, nameStudy());
        const surname = SURNAMES[(p - 1) % SURNAMES.length]!;
        const given = GIVEN_NAMES[Math.floor((p - 1) / SURNAMES.length) % GIVEN_NAMES.length]!;
        return { QueryRetrieveLevel: 'STUDY', ...STUDY_KEYS, PatientName: `${surname}^${given[0]}*` };
      },
    },
    {
      name: 'series of a study',
      level: 'SERIES',
      identifier: () => ({
        QueryRetrieveLevel: 'SERIES',
        StudyInstanceUID: studyUid(study()),
        Modality: '',
        SeriesNumber: '',
        SeriesInstanceUID: '',
      }),
    },
    {
      name: 'instances of a series',
      level: 'IMAGE',
      identifier: () => {
        const e = series();
        return {
          QueryRetrieveLevel: 'IMAGE',
          StudyInstanceUID: studyUid(studyOfSeries(sizes, e)),
          SeriesInstanceUID: seriesUid(e),
          InstanceNumber: '',
          SOPInstanceUID: '',
          SOPClassUID: '',
        };
      },
    },
  ];
}

/** Keys a response must carry: every key asked for. */
export function requestedKeys(identifier: Identifier): string[] {
  return Object.keys(identifier).filter((k) => k !== 'SpecificCharacterSet');
}
