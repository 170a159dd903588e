import { PGlite } from '@electric-sql/pglite';
import { type SqlClient, transactionClient } from './sql-client.js';

/**
 * PGlite (PostgreSQL in WASM, in-process) persisted in `dataDir`: the embedded index of `make run`.
 * It has one connection: PGlite queues queries and transactions so that each transaction runs alone.
 * Statement names (`QueryOptions.name`) are ignored: every statement is parsed and planned anew.
 */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> {
      const result = await db.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows };
    },
    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        fn(
          transactionClient({
            query: async <R>(sql: string, params?: readonly unknown[]) => ({
              rows: (await tx.query<R>(sql, params as unknown[] | undefined)).rows,
            }),
          }),
        ),
      );
    },
    close: () => db.close(),
  };
}
