/**
 * Find statements narrowed by equalities alone are prepared by name on PostgreSQL (planned once per
 * connection, not per batch), one name per statement text, and only up to a bound of distinct texts;
 * ranges and patterns are planned for their values.
 */
import { createPgClient, type SqlClient } from '@dicomesh/archive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NAMED_STATEMENTS, statementName } from '../src/statement-names.js';
import { archive, UID } from './support/fixtures.js';
import {
  openIndex,
  type PostgresServer,
  startHarness,
  startPostgres,
  type TestIndex,
} from './support/query-harness.js';

describe('find statements on PostgreSQL', () => {
  let postgres: PostgresServer;
  let index: TestIndex;
  let single: SqlClient;

  beforeAll(async () => {
    postgres = await startPostgres();
    index = await openIndex('postgresql', postgres);
    await index.store(archive());
  });
  afterAll(async () => {
    await single?.close();
    await index?.dispose();
    await postgres?.dispose();
  });

  it('are prepared once per connection and executed by name', async () => {
    const { rows } = await index.sql.query<{ db: string }>('SELECT current_database() AS db');
    const url = new URL(postgres.url);
    url.pathname = `/${rows[0]!.db}`;
    // One connection: the prepared statements of the finds are the ones this session lists.
    single = createPgClient(url.toString(), { max: 1 });
    const harness = await startHarness(single);
    try {
      const identifier = { QueryRetrieveLevel: 'SERIES', StudyInstanceUID: UID.study1, Modality: null };
      for (let i = 0; i < 3; i++) {
        const result = await harness.find('study', identifier);
        expect(result.final?.status).toBe(0);
        expect(result.matches).toHaveLength(2);
      }
      // Ranges and patterns are planned for their values every time: never prepared.
      const range = await harness.find('study', {
        QueryRetrieveLevel: 'STUDY',
        StudyDate: '20200101-20201231',
      });
      expect(range.matches).toHaveLength(2);
      const pattern = await harness.find('study', { QueryRetrieveLevel: 'STUDY', AccessionNumber: 'ACC*' });
      expect(pattern.matches).toHaveLength(4);
      const prepared = await single.query<{ name: string }>(
        "SELECT name FROM pg_prepared_statements WHERE name LIKE 'dicomesh_find_%'",
      );
      expect(prepared.rows).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });
});

// Last: it fills the names up to the bound, after which this module names nothing new.
describe('statement names', () => {
  it('one name per text, the same every time, none past the bound', () => {
    const first = statementName('SELECT 1 AS named_test');
    expect(first).toMatch(/^dicomesh_find_[0-9a-f]{24}$/);
    expect(statementName('SELECT 1 AS named_test')).toBe(first);
    expect(statementName('SELECT 2 AS named_test')).not.toBe(first);
    for (let i = 0; i < MAX_NAMED_STATEMENTS; i++) statementName(`SELECT ${i} AS filler`);
    expect(statementName('SELECT 3 AS named_test')).toBeUndefined();
    // Texts named before the bound keep their names.
    expect(statementName('SELECT 1 AS named_test')).toBe(first);
  });
});
