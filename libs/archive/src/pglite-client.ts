import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PgliteCommand } from './pglite-protocol.js';
import { PgliteThread, unavailable } from './pglite-thread.js';
import { type SqlClient, transactionClient } from './sql-client.js';

export interface PgliteClientOptions {
  /** The thread running PGlite died (its statements in flight failed); the next statement starts another. */
  readonly onThreadDied?: (error: Error) => void;
  /** A new thread runs PGlite; `generation` counts the threads started, the first one included. */
  readonly onThreadRestarted?: (generation: number) => void;
}

/**
 * PGlite's thread, started again by the first command after it died (its statements in flight failed
 * with IndexUnavailableError; PostgreSQL recovers the directory as after a crash). A transaction's
 * statements carry the generation of the thread that ran its BEGIN: they fail rather than run on another.
 */
class RestartingPglite {
  #generation = 1;
  #restarting: Promise<void> | undefined;
  #closed = false;

  private constructor(
    private readonly dataDir: string,
    private readonly options: PgliteClientOptions,
    private thread: PgliteThread,
  ) {}

  static async start(dataDir: string, options: PgliteClientOptions): Promise<RestartingPglite> {
    return new RestartingPglite(dataDir, options, await PgliteThread.start(dataDir, options.onThreadDied));
  }

  /** The thread's generation: one more at each start. */
  get generation(): number {
    return this.#generation;
  }

  async send(command: PgliteCommand, generation?: number): Promise<unknown[]> {
    if (this.#closed) throw new Error('the embedded index is closed');
    if (generation !== undefined && (generation !== this.#generation || !this.thread.alive)) {
      throw unavailable(new Error('its worker died during the transaction'));
    }
    if (!this.thread.alive) await this.#restart();
    return this.thread.send(command);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#restarting?.catch(() => undefined);
    await this.thread.close();
  }

  /** One restart at a time; a failed one fails the commands that waited for it, and the next command tries again. */
  #restart(): Promise<void> {
    this.#restarting ??= PgliteThread.start(this.dataDir, this.options.onThreadDied)
      .then(
        (thread) => {
          this.thread = thread;
          this.#generation++;
          this.options.onThreadRestarted?.(this.#generation);
        },
        (error: unknown) => {
          throw unavailable(error);
        },
      )
      .finally(() => {
        this.#restarting = undefined;
      });
    return this.#restarting;
  }
}

/**
 * PGlite (PostgreSQL in WASM) persisted in `dataDir`, the embedded index of `make run`, in a worker thread:
 * its WASM no longer runs on the thread that serves the associations. It has one connection: a transaction
 * holds it from BEGIN to its end, and statements issued meanwhile outside it wait for it (as PGlite's own
 * transactions made them). Statement names (`QueryOptions.name`) are ignored: every statement is parsed
 * and planned anew. When the worker dies, the statements in flight fail with IndexUnavailableError and
 * the next one starts it again.
 */
export async function createPgliteClient(
  dataDir: string,
  options: PgliteClientOptions = {},
): Promise<SqlClient> {
  // PGlite makes its own directory, not the ones above it: a data dir not made yet (a retrieve process that
  // starts before storage on a new volume) would fail the start. One that cannot be made fails PGlite's open.
  await mkdir(dirname(dataDir), { recursive: true }).catch(() => undefined);
  const worker = await RestartingPglite.start(dataDir, options);
  /** A statement, outside any transaction or in the one begun on thread `generation`. */
  const statement =
    (generation?: number) =>
    async <R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => ({
      rows: (await worker.send({ kind: 'query', sql, params: params ?? [] }, generation)) as R[],
    });
  const query = statement();
  /** Settles once every transaction begun so far has ended: what a statement outside them waits for. */
  let transactionsEnded: Promise<void> = Promise.resolve();

  return {
    query: <R>(sql: string, params?: readonly unknown[]) =>
      transactionsEnded.then(() => query<R>(sql, params)),

    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const result = transactionsEnded.then(async () => {
        await worker.send({ kind: 'exec', sql: 'BEGIN' });
        const generation = worker.generation;
        try {
          const value = await fn(transactionClient({ query: statement(generation) }));
          await worker.send({ kind: 'exec', sql: 'COMMIT' }, generation);
          return value;
        } catch (error) {
          await worker.send({ kind: 'exec', sql: 'ROLLBACK' }, generation).catch(() => undefined);
          throw error;
        }
      });
      transactionsEnded = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },

    async close(): Promise<void> {
      await transactionsEnded;
      await worker.close();
    },
  };
}
