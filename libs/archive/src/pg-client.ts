import pg from 'pg';
import { IndexUnavailableError } from './errors.js';
import { type QueryOptions, type SqlClient, transactionClient } from './sql-client.js';

export interface PgClientOptions {
  /** Pool size (default 10). */
  readonly max?: number;
  /** Give up connecting after this long (default 5 s): a stopped server fails fast, never hangs. */
  readonly connectTimeoutMs?: number;
  /** Server-side `statement_timeout` (default 30 s); the client gives up 2 s later if the server is silent. */
  readonly statementTimeoutMs?: number;
  /** An idle pooled connection that fails (server restarted) is reported here, then dropped by the pool. */
  readonly onIdleError?: (error: Error) => void;
  /**
   * The URL is a connection pooler's (PgBouncer, pgcat...), in transaction or session mode. Nothing is set at
   * connect: a pooler refuses the startup parameters it does not track (PgBouncer: "unsupported startup
   * parameter: statement_timeout"), so the statement bound is the client's own (statementTimeoutMs + 2 s)
   * and whatever the database role sets (ALTER ROLE ... SET statement_timeout). No statement is prepared
   * under a name: in transaction mode consecutive statements run on different server connections, where the
   * name is missing or already taken.
   */
  readonly pooled?: boolean;
}

/** SQLSTATE codes and socket errors that mean "the index cannot be reached now", not "the SQL is wrong". */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
]);
const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|query read timeout|connection error|not queryable/i;

/** Whether a `pg` error means the server is unreachable (class 08, shutdown, timeouts, socket errors). */
export function isUnavailableError(error: unknown): boolean {
  if (error instanceof IndexUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError && error.errors.some(isUnavailableError)) return true;
  return UNAVAILABLE_MESSAGES.test(error.message);
}

function mapError(error: unknown, operation: string): unknown {
  if (error instanceof IndexUnavailableError || !isUnavailableError(error)) return error;
  const code = (error as { code?: unknown }).code;
  return new IndexUnavailableError(operation, typeof code === 'string' ? code : undefined, { cause: error });
}

/**
 * The statement as `pg` takes it: named (prepared once per connection) when a name is given and the server
 * connection is ours (not a pooler's).
 */
function statement(
  sql: string,
  params: readonly unknown[] | undefined,
  options: QueryOptions | undefined,
  pooled: boolean,
) {
  const values = params as unknown[] | undefined;
  return options?.name === undefined || pooled
    ? { text: sql, values }
    : { name: options.name, text: sql, values };
}

/** A pooled PostgreSQL client. Connection failures, shutdowns and timeouts reject with IndexUnavailableError. */
export function createPgClient(url: string, options: PgClientOptions = {}): SqlClient {
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pooled = options.pooled ?? false;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    ...(pooled
      ? {}
      : {
          statement_timeout: statementTimeoutMs,
          idle_in_transaction_session_timeout: statementTimeoutMs + 5_000,
        }),
    query_timeout: statementTimeoutMs + 2_000,
    keepAlive: true,
    application_name: 'dicomesh',
  });
  // Without a listener an idle client's error (server stopped) would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));

  const connection = (client: pg.PoolClient) => ({
    async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<{ rows: R[] }> {
      try {
        const result = await client.query(statement(sql, params, options, pooled));
        return { rows: result.rows as R[] };
      } catch (error) {
        throw mapError(error, 'query');
      }
    },
  });

  return {
    async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<{ rows: R[] }> {
      try {
        const result = await pool.query(statement(sql, params, options, pooled));
        return { rows: result.rows as R[] };
      } catch (error) {
        throw mapError(error, 'query');
      }
    },

    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw mapError(error, 'connect');
      }
      // A checked-out client has no pool listener: without this one, the server going away between two
      // statements (a fast shutdown, a crash) would be an uncaught 'error' event and end the process.
      let broken: Error | undefined;
      const onConnectionError = (error: Error) => {
        broken = error;
      };
      client.on('error', onConnectionError);
      try {
        await client.query('BEGIN');
        const result = await fn(transactionClient(connection(client)));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable: destroy it rather than return it to the pool.
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw mapError(error, 'transaction');
      } finally {
        client.removeListener('error', onConnectionError);
        client.release(broken);
      }
    },

    async close(): Promise<void> {
      await pool.end();
    },
  };
}
