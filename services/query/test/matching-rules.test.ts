/** The matching rules of PS3.4 C.2.2.2 as pure functions: identifiers read into conditions, and matched. */
import type { DicomJsonAttribute } from '@dicomesh/dicom';
import { describe, expect, it } from 'vitest';
import {
  likePattern,
  Model,
  matchesKey,
  normalizeTemporal,
  parseQuery,
  QueryFailedError,
  type QueryKey,
  wildcardRegExp,
} from '../src/index.js';
import { foldForSql } from '../src/key-conditions.js';

const options = { personNameCaseInsensitive: true };

function key(keyword: string, value: string | null, level = 'STUDY'): QueryKey {
  const query = parseQuery({ QueryRetrieveLevel: level, [keyword]: value }, Model.StudyRoot);
  return query.keys.find((k) => k.keyword === keyword)!;
}

function matches(k: QueryKey, attribute: DicomJsonAttribute | undefined): boolean {
  return matchesKey(k, attribute === undefined ? {} : { [k.tag]: attribute }, options);
}

describe('reading an identifier', () => {
  it('empty values and a lone * are universal', () => {
    expect(key('StudyDescription', null).condition).toEqual({ kind: 'universal' });
    expect(key('StudyDescription', '**').condition).toEqual({ kind: 'universal' });
  });

  it('* and ? are wildcards in text VRs, never in UIDs or dates', () => {
    expect(key('StudyDescription', 'CH?ST*').condition).toEqual({
      kind: 'any',
      alternatives: [{ kind: 'wildcard', pattern: 'CH?ST*' }],
    });
    expect(key('StudyInstanceUID', '1.2*').condition).toEqual({
      kind: 'any',
      alternatives: [{ kind: 'single', value: '1.2*' }],
    });
  });

  it('DT ranges are split at the range hyphen, not at a UTC offset', () => {
    expect(key('AcquisitionDateTime', '20200101120000-0500').condition).toEqual({
      kind: 'any',
      alternatives: [{ kind: 'single', value: '20200101120000-0500' }],
    });
    expect(key('AcquisitionDateTime', '2020-2021').condition).toEqual({
      kind: 'any',
      alternatives: [{ kind: 'range', lower: '2020', upper: '2021' }],
    });
    expect(key('AcquisitionDateTime', '20200101120000-0500-20200102').condition).toEqual({
      kind: 'any',
      alternatives: [{ kind: 'range', lower: '20200101120000-0500', upper: '20200102' }],
    });
  });

  it('an identifier without a usable level is refused with A900', () => {
    expect(() => parseQuery({ PatientID: 'X' }, Model.PatientRoot)).toThrow(QueryFailedError);
    try {
      parseQuery(
        { QueryRetrieveLevel: 'SERIES', PatientID: 'X', StudyInstanceUID: ['1.2', '1.3'] },
        Model.PatientRoot,
      );
      expect.unreachable();
    } catch (error) {
      expect((error as QueryFailedError).status).toBe(0xa900);
      expect((error as QueryFailedError).offendingElements).toEqual([0x0020000d]);
    }
  });
});

describe('matching', () => {
  it('times by meaning, upper bounds through the end of what they name', () => {
    expect(normalizeTemporal('TM', '2230')).toBe(normalizeTemporal('TM', '223000.000000'));
    expect(normalizeTemporal('TM', '22:30:00')).toBe(normalizeTemporal('TM', '2230'));
    const range = key('StudyTime', '-2230');
    expect(matches(range, { vr: 'TM', Value: ['223059.99'] })).toBe(true);
    expect(matches(range, { vr: 'TM', Value: ['2231'] })).toBe(false);
    expect(matches(key('AcquisitionDateTime', '-2020'), { vr: 'DT', Value: ['20201231235959'] })).toBe(true);
    expect(matches(key('AcquisitionDateTime', '2021-'), { vr: 'DT', Value: ['20201231235959'] })).toBe(false);
  });

  it('an empty stored value matches only universal matching', () => {
    expect(matches(key('StudyDescription', 'X'), undefined)).toBe(false);
    expect(matches(key('StudyDescription', 'X'), { vr: 'LO' })).toBe(false);
    expect(matches(key('StudyDescription', null), undefined)).toBe(true);
  });

  it('person names: groups, trailing empty components, case', () => {
    const pn = (v: string) => ({ vr: 'PN' as const, Value: [{ Alphabetic: 'Doe^John^^', Ideographic: v }] });
    expect(matches(key('PatientName', 'doe^john'), pn('山田'))).toBe(true);
    expect(matches(key('PatientName', '山田'), pn('山田'))).toBe(true);
    expect(matches(key('PatientName', 'Doe^John=山*'), pn('山田'))).toBe(true);
    expect(matches(key('PatientName', 'Doe^John=川*'), pn('山田'))).toBe(false);
    expect(
      matchesKey(
        key('PatientName', 'doe^john'),
        { '00100010': pn('x') },
        { personNameCaseInsensitive: false },
      ),
    ).toBe(false);
  });

  it('wildcards are anchored and escape regular-expression and LIKE metacharacters', () => {
    expect(wildcardRegExp('A.B*', false).test('AXB')).toBe(false);
    expect(wildcardRegExp('A.B*', false).test('A.BC')).toBe(true);
    expect(likePattern('50%_off\\*?')).toBe('50\\%\\_off\\\\%_');
    expect(foldForSql('Δio山')).toBe('?io山');
  });
});
