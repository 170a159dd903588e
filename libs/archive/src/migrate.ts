import { IndexUnavailableError, MigrationError } from './errors.js';
import * as initial from './migrations/0001-initial.js';
import * as patientNamePrefix from './migrations/0002-patient-name-prefix.js';
import * as storeInstanceFunction from './migrations/0003-store-instance-function.js';
import type { SqlClient } from './sql-client.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Every migration, in the order they apply. Append only: an applied migration never changes. */
export const MIGRATIONS: readonly Migration[] = [initial, patientNamePrefix, storeInstanceFunction];

/** Key of the transaction-scoped advisory lock that serializes replicas migrating at once. */
export const MIGRATION_LOCK_KEY = 0x64636d73; // 'dcms'

/**
 * Apply the migrations not yet recorded in `schema_migrations`, in order, in one transaction that
 * first takes `pg_advisory_xact_lock`: replicas starting together wait for each other, and the
 * second finds everything applied. Returns the versions this call applied.
 */
export async function migrate(
  client: SqlClient,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<readonly number[]> {
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      try {
        for (const statement of migration.statements) await tx.query(statement);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
      } catch (error) {
        if (error instanceof IndexUnavailableError) throw error;
        throw new MigrationError(migration.version, migration.name, { cause: error });
      }
      done.push(migration.version);
    }
    return done;
  });
}
