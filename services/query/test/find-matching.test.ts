/**
 * C-FIND matching (PS3.4 C.2.2.2) and levels (C.4.1.2.1, C.6) through the Query gRPC server, against a
 * real PostgreSQL and against PGlite, on an index filled as storage fills it.
 */
import type { Identifier } from '@dicomesh/dicom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archive, CT, MR, UID } from './support/fixtures.js';
import {
  BACKENDS,
  type FindResult,
  openIndex,
  type PostgresServer,
  type QueryHarness,
  startHarness,
  startPostgres,
  type TestIndex,
} from './support/query-harness.js';

const SUCCESS = 0x0000;
const IDENTIFIER_DOES_NOT_MATCH = 0xa900;
const OUT_OF_RESOURCES = 0xa700;

function values(result: FindResult, keyword: string): string[] {
  return result.matches.map((m) => String(m[keyword])).sort();
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres.dispose();
});

describe.each(BACKENDS)('C-FIND on %s', (backend) => {
  let index: TestIndex;
  let harness: QueryHarness;
  const study = (keys: Identifier) =>
    harness.find('study', { QueryRetrieveLevel: 'STUDY', PatientID: null, ...keys });

  beforeAll(async () => {
    index = await openIndex(backend, postgres);
    await index.store(archive());
    harness = await startHarness(index.sql);
  });
  afterAll(async () => {
    await harness?.close();
    await index?.dispose();
  });

  describe('levels', () => {
    it('PATIENT (Patient Root): patients with their computed counts', async () => {
      const result = await harness.find('patient', {
        QueryRetrieveLevel: 'PATIENT',
        PatientID: 'PID*',
        PatientName: null,
        NumberOfPatientRelatedStudies: null,
        NumberOfPatientRelatedSeries: null,
        NumberOfPatientRelatedInstances: null,
      });
      expect(result.final?.status).toBe(SUCCESS);
      expect(values(result, 'PatientID')).toEqual(['PID1', 'PID2', 'PID3']);
      const doe = result.matches.find((m) => m.PatientID === 'PID1')!;
      expect(doe.PatientName).toBe('DOE^JOHN');
      expect(doe.NumberOfPatientRelatedStudies).toBe(2);
      expect(doe.NumberOfPatientRelatedSeries).toBe(3);
      expect(doe.NumberOfPatientRelatedInstances).toBe(4);
      expect(Object.keys(doe).sort()).toEqual(
        [
          'NumberOfPatientRelatedInstances',
          'NumberOfPatientRelatedSeries',
          'NumberOfPatientRelatedStudies',
          'PatientID',
          'PatientName',
          'QueryRetrieveLevel',
          'RetrieveAETitle',
        ].sort(),
      );
      expect(doe.QueryRetrieveLevel).toBe('PATIENT');
      expect(doe.RetrieveAETitle).toBe('DICOMESH');
    });

    it('STUDY (Study Root): exactly the requested keys, the unique key, computed ones', async () => {
      const result = await study({
        PatientID: 'PID1',
        StudyDate: null,
        ModalitiesInStudy: null,
        SOPClassesInStudy: null,
        NumberOfStudyRelatedSeries: null,
        NumberOfStudyRelatedInstances: null,
        SeriesInstanceUID: null,
      });
      expect(values(result, 'StudyInstanceUID')).toEqual([UID.study1, UID.study2]);
      const s1 = result.matches.find((m) => m.StudyInstanceUID === UID.study1)!;
      expect(s1.ModalitiesInStudy).toEqual(['CT', 'MR']);
      expect(s1.SOPClassesInStudy).toEqual([CT, MR]);
      expect(s1.NumberOfStudyRelatedSeries).toBe(2);
      expect(s1.NumberOfStudyRelatedInstances).toBe(3);
      expect(s1.StudyDate).toBe('20200315');
      // A key of a lower level is returned empty, never taken from one of the study's series.
      expect(s1.SeriesInstanceUID).toBeNull();
      expect(Object.keys(s1).sort()).toEqual(
        [
          'ModalitiesInStudy',
          'NumberOfStudyRelatedInstances',
          'NumberOfStudyRelatedSeries',
          'PatientID',
          'QueryRetrieveLevel',
          'RetrieveAETitle',
          'SOPClassesInStudy',
          'SeriesInstanceUID',
          'StudyDate',
          'StudyInstanceUID',
        ].sort(),
      );
    });

    it('STUDY (Patient Root) needs the patient ID above it', async () => {
      const ok = await harness.find('patient', {
        QueryRetrieveLevel: 'STUDY',
        PatientID: 'PID2',
        StudyID: null,
      });
      expect(values(ok, 'StudyID')).toEqual(['S3']);
      expect(ok.matches[0]?.PatientID).toBe('PID2');
      const missing = await harness.find('patient', { QueryRetrieveLevel: 'STUDY', StudyID: null });
      expect(missing.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
      expect(missing.final?.errorComment).toMatch(/PatientID/);
      expect(missing.final?.offendingElements).toEqual([0x00100020]);
      const wildcard = await harness.find('patient', { QueryRetrieveLevel: 'STUDY', PatientID: 'PID*' });
      expect(wildcard.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
      expect(wildcard.matches).toHaveLength(0);
    });

    it('SERIES: the series of a study with their instance counts', async () => {
      const result = await harness.find('study', {
        QueryRetrieveLevel: 'SERIES',
        StudyInstanceUID: UID.study1,
        SeriesInstanceUID: null,
        Modality: null,
        SeriesNumber: null,
        NumberOfSeriesRelatedInstances: null,
      });
      expect(values(result, 'SeriesInstanceUID')).toEqual([UID.series1, UID.series2]);
      const mr = result.matches.find((m) => m.Modality === 'MR')!;
      expect(mr.SeriesNumber).toBe(2);
      expect(mr.NumberOfSeriesRelatedInstances).toBe(1);
      expect(mr.StudyInstanceUID).toBe(UID.study1);
      expect(mr.QueryRetrieveLevel).toBe('SERIES');
    });

    it('IMAGE: instances of a series, with the unique keys above', async () => {
      const result = await harness.find('patient', {
        QueryRetrieveLevel: 'IMAGE',
        PatientID: 'PID1',
        StudyInstanceUID: UID.study1,
        SeriesInstanceUID: UID.series1,
        SOPInstanceUID: null,
        SOPClassUID: null,
        InstanceNumber: null,
      });
      expect(values(result, 'InstanceNumber')).toEqual(['1', '2']);
      for (const m of result.matches) {
        expect(m.SOPClassUID).toBe(CT);
        expect(m.PatientID).toBe('PID1');
        expect(m.StudyInstanceUID).toBe(UID.study1);
        expect(m.SeriesInstanceUID).toBe(UID.series1);
      }
    });

    it('IMAGE without the series above it is refused', async () => {
      const result = await harness.find('study', {
        QueryRetrieveLevel: 'IMAGE',
        StudyInstanceUID: UID.study1,
        SOPInstanceUID: null,
      });
      expect(result.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
      expect(result.final?.errorComment).toMatch(/SeriesInstanceUID/);
    });

    it('an unknown, a missing and a foreign level are refused with A900', async () => {
      const unknown = await harness.find('study', { QueryRetrieveLevel: 'FRAME', StudyInstanceUID: null });
      expect(unknown.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
      expect(unknown.final?.offendingElements).toEqual([0x00080052]);
      const missing = await harness.find('study', { StudyInstanceUID: null });
      expect(missing.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
      const patientInStudyRoot = await harness.find('study', {
        QueryRetrieveLevel: 'PATIENT',
        PatientID: null,
      });
      expect(patientInStudyRoot.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
    });
  });

  describe('matching', () => {
    it('single value, case-sensitive outside person names', async () => {
      expect(values(await study({ AccessionNumber: 'ACC2' }), 'StudyInstanceUID')).toEqual([UID.study2]);
      expect((await study({ StudyDescription: 'chest ct' })).matches).toHaveLength(0);
      expect(values(await study({ StudyDescription: 'CHEST CT' }), 'StudyInstanceUID')).toEqual([UID.study1]);
    });

    it('universal matching returns the value of every entity', async () => {
      const result = await study({ PatientID: 'PID1', StudyDescription: '' });
      expect(values(result, 'StudyDescription')).toEqual(['CHEST CT', 'HEAD']);
      expect((await study({ AccessionNumber: '*' })).matches).toHaveLength(4);
    });

    it('wildcards * and ?', async () => {
      expect(values(await study({ StudyDescription: '*EST*' }), 'StudyInstanceUID')).toEqual([UID.study1]);
      expect(values(await study({ AccessionNumber: 'ACC?' }), 'AccessionNumber')).toEqual([
        'ACC1',
        'ACC2',
        'ACC3',
        'ACC4',
      ]);
      expect((await study({ AccessionNumber: 'AC?' })).matches).toHaveLength(0);
      // LIKE's own metacharacters are literals in DICOM.
      expect((await study({ AccessionNumber: 'ACC_' })).matches).toHaveLength(0);
      expect((await study({ AccessionNumber: 'ACC%' })).matches).toHaveLength(0);
    });

    it('a list of UIDs', async () => {
      const result = await study({ StudyInstanceUID: [UID.study1, UID.study3] });
      expect(values(result, 'StudyInstanceUID')).toEqual([UID.study1, UID.study3]);
    });

    it('date ranges, closed and open at either end', async () => {
      expect(values(await study({ StudyDate: '20200101-20201231' }), 'StudyInstanceUID')).toEqual([
        UID.study1,
        UID.study4,
      ]);
      expect(values(await study({ StudyDate: '-20191231' }), 'StudyInstanceUID')).toEqual([UID.study3]);
      expect(values(await study({ StudyDate: '20210101-' }), 'StudyInstanceUID')).toEqual([UID.study2]);
      expect(values(await study({ StudyDate: '20200315' }), 'StudyInstanceUID')).toEqual([UID.study1]);
    });

    it('times by meaning: 0800 equals 080000, ranges include the whole of their last minute', async () => {
      expect(values(await study({ StudyTime: '080000' }), 'StudyInstanceUID')).toEqual([UID.study3]);
      expect(values(await study({ StudyTime: '123000.000' }), 'StudyInstanceUID')).toEqual([UID.study4]);
      expect(values(await study({ StudyTime: '2230' }), 'StudyInstanceUID')).toEqual([UID.study2]);
      expect(values(await study({ StudyTime: '2200-2300' }), 'StudyInstanceUID')).toEqual([UID.study2]);
      expect(values(await study({ StudyTime: '-0900' }), 'StudyInstanceUID')).toEqual([UID.study3]);
      expect(values(await study({ StudyTime: '1015-1230' }), 'StudyInstanceUID')).toEqual([
        UID.study1,
        UID.study4,
      ]);
      expect(values(await study({ StudyTime: '-1229' }), 'StudyInstanceUID')).toEqual([
        UID.study1,
        UID.study3,
      ]);
    });

    it('date-times (DT): single values and ranges, open at either end, UTC offsets kept out of the way', async () => {
      const acquired = async (value: string) =>
        values(
          await harness.find('study', {
            QueryRetrieveLevel: 'IMAGE',
            StudyInstanceUID: UID.study1,
            SeriesInstanceUID: UID.series1,
            AcquisitionDateTime: value,
            InstanceNumber: null,
          }),
          'InstanceNumber',
        );
      expect(await acquired('20200315101500-20200315101559')).toEqual(['1']);
      expect(await acquired('-2020031510')).toEqual(['1', '2']);
      expect(await acquired('20200315101600-')).toEqual(['2']);
      expect(await acquired('20200315102000')).toEqual(['2']);
      expect(await acquired('20200315101530.5')).toEqual(['1']);
      expect(await acquired('2021-')).toEqual([]);
    });

    it('person names are case-insensitive, with wildcards, in any component group', async () => {
      expect(values(await study({ PatientName: 'smith^jane' }), 'PatientID')).toEqual(['PID2']);
      expect(values(await study({ PatientName: 'do*' }), 'PatientID')).toEqual(['PID1', 'PID1']);
      expect(values(await study({ PatientName: 'D?E^JOHN' }), 'PatientID')).toEqual(['PID1', 'PID1']);
      const yamada = await study({ SpecificCharacterSet: 'ISO_IR 192', PatientName: '山田^太郎' });
      expect(values(yamada, 'PatientID')).toEqual(['PID3']);
      expect(yamada.matches[0]?.PatientName).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
      expect(yamada.matches[0]?.SpecificCharacterSet).toBe('ISO_IR 192');
      // An ASCII query gets the name whole, in UTF-8: its default repertoire cannot carry it.
      const ascii = await study({ PatientName: 'yamada^*' });
      expect(values(ascii, 'PatientID')).toEqual(['PID3']);
      expect(ascii.matches[0]?.PatientName).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
      expect(ascii.matches[0]?.SpecificCharacterSet).toBe('ISO_IR 192');
      // And an ASCII answer to an ASCII query states no character set.
      expect(Object.keys((await study({ PatientName: 'DOE^JOHN' })).matches[0] ?? {})).not.toContain(
        'SpecificCharacterSet',
      );
    });

    it('person names case-sensitive when configured so', async () => {
      const strict = await startHarness(index.sql, { personNameCaseInsensitive: false });
      try {
        const q = { QueryRetrieveLevel: 'STUDY', PatientName: 'smith^jane' };
        expect((await strict.find('study', q)).matches).toHaveLength(0);
        expect((await strict.find('study', { ...q, PatientName: 'Smith^Jane' })).matches).toHaveLength(1);
      } finally {
        await strict.close();
      }
    });

    it('multi-valued attributes match on any of their values', async () => {
      const axial = await harness.find('study', {
        QueryRetrieveLevel: 'IMAGE',
        StudyInstanceUID: UID.study1,
        SeriesInstanceUID: UID.series1,
        ImageType: 'AXIAL',
        InstanceNumber: null,
      });
      expect(values(axial, 'InstanceNumber')).toEqual(['1']);
      expect(axial.matches[0]?.ImageType).toEqual(['ORIGINAL', 'PRIMARY', 'AXIAL']);
      const old = await harness.find('patient', { QueryRetrieveLevel: 'PATIENT', OtherPatientIDs: 'OLD-2' });
      expect(values(old, 'PatientID')).toEqual(['PID1']);
    });

    it('sequence matching, returning only the requested item keys', async () => {
      const result = await study({ ProcedureCodeSequence: [{ CodeValue: 'P2', CodeMeaning: null }] });
      expect(values(result, 'StudyInstanceUID')).toEqual([UID.study2]);
      expect(result.matches[0]?.ProcedureCodeSequence).toEqual([{ CodeValue: 'P2', CodeMeaning: 'Head' }]);
      const universal = await study({ PatientID: 'PID1', ProcedureCodeSequence: [] });
      expect(universal.matches).toHaveLength(2);
    });

    it('ModalitiesInStudy matches a study with a series of that modality', async () => {
      expect(values(await study({ ModalitiesInStudy: 'MR' }), 'StudyInstanceUID')).toEqual([UID.study1]);
      expect(values(await study({ ModalitiesInStudy: ['US', 'MR'] }), 'StudyInstanceUID')).toEqual([
        UID.study1,
        UID.study3,
      ]);
    });

    it('no match: Success without a Pending response', async () => {
      const result = await study({ PatientID: 'NOBODY' });
      expect(result.matches).toHaveLength(0);
      expect(result.final).toMatchObject({ status: SUCCESS, matchCount: 0 });
      // A patient condition no index serves is worked out first: none found, no study read.
      const byName = await study({ PatientName: 'NOBODY^*' });
      expect(byName.matches).toHaveLength(0);
      expect(byName.final).toMatchObject({ status: SUCCESS, matchCount: 0 });
    });

    it('the match cap ends the query with A700 and a comment', async () => {
      const capped = await startHarness(index.sql, { maxMatches: 2 });
      try {
        const result = await capped.find('study', { QueryRetrieveLevel: 'STUDY', StudyInstanceUID: null });
        expect(result.matches).toHaveLength(2);
        expect(result.final?.status).toBe(OUT_OF_RESOURCES);
        expect(result.final?.errorComment).toMatch(/more than 2 matches/);
      } finally {
        await capped.close();
      }
    });
  });
});
