import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, MigrationError, migrate, type SqlClient } from '../src/index.js';
import {
  BACKENDS,
  type Backends,
  freshPostgresDatabase,
  startBackends,
  type TestDatabase,
} from './support/index-backends.js';

let backends: Backends;
let database: TestDatabase | undefined;

beforeAll(async () => {
  backends = await startBackends();
});

afterEach(async () => {
  await database?.dispose();
  database = undefined;
});

afterAll(async () => {
  await backends?.dispose();
});

const TABLES = ['instances', 'outbox', 'patients', 'schema_migrations', 'series', 'studies'];
const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

async function tables(client: SqlClient): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

async function appliedVersions(client: SqlClient): Promise<number[]> {
  const { rows } = await client.query<{ version: number }>(
    'SELECT version FROM schema_migrations ORDER BY version',
  );
  return rows.map((row) => Number(row.version));
}

describe.each(BACKENDS)('migrate on %s', (backend) => {
  it('applies every migration once, then finds nothing to do on a second run', async () => {
    database = await backends.fresh(backend);
    const { client } = database;
    expect(await migrate(client)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await tables(client)).toEqual(TABLES);
    expect(await appliedVersions(client)).toEqual(MIGRATIONS.map((m) => m.version));

    expect(await migrate(client)).toEqual([]);
    expect(await appliedVersions(client)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('rolls a failing migration back whole and reports it as MigrationError', async () => {
    database = await backends.fresh(backend);
    const { client } = database;
    await migrate(client);
    const broken = {
      version: LATEST + 1,
      name: 'broken',
      statements: ['CREATE TABLE half_done (id integer)', 'SELECT * FROM no_such_table'],
    };
    const failure = await migrate(client, [...MIGRATIONS, broken]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toMatchObject({ version: LATEST + 1, migration: 'broken' });
    expect(await tables(client)).toEqual(TABLES);
    expect(await appliedVersions(client)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});

describe('migrate on postgresql, concurrently', () => {
  it('two replicas migrating at once both succeed and the schema is applied once', async () => {
    database = await freshPostgresDatabase(backends.postgres);
    const first = await database.connect();
    const second = await database.connect();
    const results = await Promise.all([migrate(first), migrate(second)]);
    const versions = MIGRATIONS.map((m) => m.version);
    // One of them applied everything, the other waited on the advisory lock and found it done.
    expect([...results].sort((a, b) => b.length - a.length)).toEqual([versions, []]);
    expect(await appliedVersions(database.client)).toEqual(versions);
    expect(await tables(database.client)).toEqual(TABLES);
  });

  it('five replicas on a database that already has the schema: none applies anything', async () => {
    database = await freshPostgresDatabase(backends.postgres);
    await migrate(database.client);
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => database?.connect() as Promise<SqlClient>),
    );
    const results = await Promise.all(clients.map((client) => migrate(client)));
    expect(results).toEqual(Array.from({ length: 5 }, () => []));
  });
});
