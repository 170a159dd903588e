/**
 * The two SQL backends every index test runs against: a real PostgreSQL (one server per test file, a fresh
 * database per test) and PGlite (a fresh temp dir per test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PostgresServer, startPostgres } from '../../../../test/support/postgres.js';
import { createPgClient, createPgliteClient, type PgClientOptions, type SqlClient } from '../../src/index.js';

export type BackendName = 'postgresql' | 'pglite';
export const BACKENDS: readonly BackendName[] = ['postgresql', 'pglite'];

export interface TestDatabase {
  readonly client: SqlClient;
  /** A second, independent client on the same database (another pool, or the same PGlite). */
  readonly connect: (options?: PgClientOptions) => Promise<SqlClient>;
  readonly dispose: () => Promise<void>;
}

let databaseCounter = 0;

/** A fresh empty database on `server`; the caller closes every client it opens with `connect`. */
export async function freshPostgresDatabase(
  server: PostgresServer,
  options: PgClientOptions = {},
): Promise<TestDatabase> {
  const name = `archive_test_${process.pid}_${++databaseCounter}`;
  const admin = createPgClient(server.url, { max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const opened: SqlClient[] = [];
  const connect = async (more: PgClientOptions = {}) => {
    const client = createPgClient(url.toString(), { ...options, ...more });
    opened.push(client);
    return client;
  };
  const client = await connect();
  return {
    client,
    connect,
    dispose: async () => {
      await Promise.all(opened.map((c) => c.close()));
    },
  };
}

/** One PGlite per test file (creating one takes seconds); `fresh()` empties its public schema per test. */
export interface SharedPglite {
  fresh(): Promise<TestDatabase>;
  dispose(): Promise<void>;
}

export async function startPglite(): Promise<SharedPglite> {
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pglite-'));
  const client = await createPgliteClient(dir);
  return {
    async fresh() {
      await client.query('DROP SCHEMA public CASCADE');
      await client.query('CREATE SCHEMA public');
      return { client, connect: async () => client, dispose: async () => undefined };
    },
    async dispose() {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The servers of one test file: PostgreSQL and PGlite, started once. */
export interface Backends {
  readonly postgres: PostgresServer;
  readonly pglite: SharedPglite;
  fresh(backend: BackendName): Promise<TestDatabase>;
  dispose(): Promise<void>;
}

export async function startBackends(): Promise<Backends> {
  const [postgres, pglite] = await Promise.all([startPostgres(), startPglite()]);
  return {
    postgres,
    pglite,
    fresh: (backend) => (backend === 'postgresql' ? freshPostgresDatabase(postgres) : pglite.fresh()),
    async dispose() {
      await Promise.all([postgres.dispose(), pglite.dispose()]);
    },
  };
}
