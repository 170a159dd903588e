/**
 * The one SQL interface the index is written against, implemented by PostgreSQL (`pg`) and by PGlite
 * (PostgreSQL compiled to WASM, for `make run`): the same SQL runs on both.
 */
/** Options of one statement. */
export interface QueryOptions {
  /**
   * Prepare the statement under this name, once per connection, and execute it by name afterwards (the
   * server may then reuse its plan instead of planning every execution). The same name must always
   * come with the same text. PostgreSQL (`pg`) honours it; PGlite, and PostgreSQL through a connection
   * pooler (`pooled`), ignore it.
   */
  readonly name?: string;
}

export interface SqlClient {
  /** One statement, `$1`-style parameters. */
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<{ rows: R[] }>;
  /**
   * Run `fn` in a transaction: committed when it resolves, rolled back when it throws (the error is
   * rethrown). Inside, use `tx` only; a nested `tx.transaction` is a savepoint.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The query surface of a connection already inside a transaction. */
export interface TransactionConnection {
  query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<{ rows: R[] }>;
}

/** A SqlClient over a connection inside a transaction; nested transactions become savepoints. */
export function transactionClient(connection: TransactionConnection, depth = 0): SqlClient {
  const client: SqlClient = {
    query: <R>(sql: string, params?: readonly unknown[], options?: QueryOptions) =>
      connection.query<R>(sql, params, options),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const savepoint = `dicomesh_sp_${depth + 1}`;
      await connection.query(`SAVEPOINT ${savepoint}`);
      try {
        const result = await fn(transactionClient(connection, depth + 1));
        await connection.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await connection.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
    },
    close(): Promise<void> {
      return Promise.reject(new Error('close() is not available inside a transaction'));
    },
  };
  return client;
}
