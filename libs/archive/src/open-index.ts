/**
 * The index a service opens: PostgreSQL when a URL is given, else the embedded PGlite under the data
 * directory (one for storage, query and retrieve, in all-in-one shared), with its schema brought up to date.
 */
import { join } from 'node:path';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient, type PgliteClientOptions } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

/** The embedded index lives in `<dataDir>/index`. */
export const EMBEDDED_INDEX_DIRECTORY = 'index';

/** What opening the index logs through (the services' structured logger has all three). */
export interface IndexLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The embedded index's thread events, logged. */
function loggedThreadEvents(logger: IndexLogger): PgliteClientOptions {
  return {
    onThreadDied: (error) =>
      logger.error('embedded index thread died; the next statement starts another', { error: error.message }),
    onThreadRestarted: (generation) => logger.warn('embedded index thread started again', { generation }),
  };
}

export interface OpenIndexOptions {
  readonly dataDir: string;
  /** PostgreSQL's URL; without it, the embedded index. */
  readonly databaseUrl: string | undefined;
  readonly logger: IndexLogger;
  /** PostgreSQL's bound on one statement (pg's own default otherwise); PGlite has none. */
  readonly statementTimeoutMs?: number;
  /** The URL is a connection pooler's (PgBouncer...): see PgClientOptions.pooled. */
  readonly pooled?: boolean;
}

/** Opens the index and migrates it, so that any service may start first. */
export async function openIndex(options: OpenIndexOptions): Promise<SqlClient> {
  const { logger } = options;
  const sql =
    options.databaseUrl === undefined
      ? await createPgliteClient(join(options.dataDir, EMBEDDED_INDEX_DIRECTORY), loggedThreadEvents(logger))
      : createPgClient(options.databaseUrl, {
          ...(options.statementTimeoutMs === undefined
            ? {}
            : { statementTimeoutMs: options.statementTimeoutMs }),
          onIdleError: (error) => logger.warn('index connection lost', { error: error.message }),
          pooled: options.pooled ?? false,
        });
  if (options.pooled === true) {
    if (options.databaseUrl === undefined)
      logger.warn('a pooled index was asked for without a database URL: the embedded index is not pooled');
    else
      logger.info('index through a connection pooler: nothing set at connect, no statement prepared by name');
  }
  const applied = await migrate(sql);
  if (applied.length > 0) logger.info('index migrated', { versions: applied });
  return sql;
}
