/**
 * Patient names searched by their beginning (`SMITH^J*`) are narrowed by the prefix index of migration
 * 0002, and still found where a prefix test on the whole name cannot see them: in a later value, in a
 * later component group, after a leading space. Against PostgreSQL and PGlite.
 */
import type { Identifier } from '@dicomesh/dicom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFindSql } from '../src/find-sql.js';
import { parseQuery } from '../src/query-keys.js';
import { Model } from '../src/query-model.js';
import { CT } from './support/fixtures.js';
import {
  BACKENDS,
  openIndex,
  type PostgresServer,
  type QueryHarness,
  record,
  startHarness,
  startPostgres,
  type TestIndex,
} from './support/query-harness.js';

const ROOT = '1.2.826.0.1.3680043.10.77';
const NAMES: Record<string, Identifier['PatientName']> = {
  PLAIN: 'SMITH^JOHN',
  SPACE: ' SMITH^JAMES',
  VALUES: ['DOE^JANE', 'SMITH^JO'],
  GROUPS: 'Yamada^Tarou=SMITH^JIRO',
  TRAILING: 'SMITH^JULIA^^^',
  OTHER: 'SMITHSON^JOHN',
  LOWER: 'smith^jack',
};

function patients() {
  return Object.entries(NAMES).map(([id, name], i) =>
    record({
      PatientName: name ?? null,
      PatientID: id,
      StudyInstanceUID: `${ROOT}.1.${i + 1}`,
      SeriesInstanceUID: `${ROOT}.2.${i + 1}`,
      Modality: 'CT',
      SOPClassUID: CT,
      SOPInstanceUID: `${ROOT}.3.${i + 1}`,
    }),
  );
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres.dispose();
});

describe.each(BACKENDS)('patient name prefixes on %s', (backend) => {
  let index: TestIndex;
  let harness: QueryHarness;

  beforeAll(async () => {
    index = await openIndex(backend, postgres);
    await index.store(patients());
    harness = await startHarness(index.sql);
  });
  afterAll(async () => {
    await harness?.close();
    await index?.dispose();
  });

  const found = async (name: string) => {
    const result = await harness.find('study', {
      QueryRetrieveLevel: 'STUDY',
      PatientName: name,
      PatientID: null,
    });
    expect(result.final?.status).toBe(0);
    return result.matches.map((m) => String(m.PatientID)).sort();
  };

  it('finds every name whose value or group matches, wherever it lies in the text', async () => {
    expect(await found('SMITH^J*')).toEqual(['GROUPS', 'LOWER', 'PLAIN', 'SPACE', 'TRAILING', 'VALUES']);
    expect(await found('smith^jo*')).toEqual(['PLAIN', 'VALUES']);
    expect(await found('SMITH^JULIA')).toEqual(['TRAILING']);
    expect(await found('SMITH*')).toHaveLength(7);
    expect(await found('*^JOHN')).toEqual(['OTHER', 'PLAIN']);
  });

  it('the prefix test is served by the index (sequential scans off)', async () => {
    const query = parseQuery(
      { QueryRetrieveLevel: 'STUDY', PatientName: 'SMITH^J*', PatientID: null },
      Model.StudyRoot,
    );
    const prefilter = buildFindSql(query, { personNameCaseInsensitive: true }).patientPrefilter;
    expect(prefilter).toBeDefined();
    const plan = await index.sql.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const { rows } = await tx.query<Record<string, string>>(
        `EXPLAIN ${prefilter!.text}`,
        prefilter!.params,
      );
      return rows.map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toContain('patients_patient_name_prefix');
    expect(plan).toContain('patients_patient_name_beyond_prefix');
  });
});
