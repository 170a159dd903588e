import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { EmbeddedIndexError, IndexUnavailableError } from './errors.js';
import type {
  PgliteCommand,
  PgliteErrorFields,
  PgliteReady,
  PgliteReply,
  PgliteRequest,
  PgliteWorkerData,
} from './pglite-protocol.js';
import { type SqlClient, transactionClient } from './sql-client.js';

/** The worker's file beside this one: compiled in dist, the source under Node's type stripping in src. */
const WORKER_FILES = ['./pglite-worker.js', './pglite-worker.ts'];
const OPERATION = 'embedded index';

function workerUrl(): URL {
  for (const file of WORKER_FILES) {
    const url = new URL(file, import.meta.url);
    if (existsSync(url)) return url;
  }
  throw new Error(`the embedded index's worker is missing beside ${import.meta.url}`);
}

function toError(error: PgliteErrorFields): EmbeddedIndexError {
  return new EmbeddedIndexError(error.name, error.message, error.fields);
}

/**
 * PGlite (PostgreSQL in WASM) persisted in `dataDir`, the embedded index of `make run`, in a worker thread
 * (pglite-worker.ts): its WASM no longer runs on the thread that serves the associations. It has one
 * connection: a transaction holds it from BEGIN to its end, and statements issued meanwhile outside it
 * wait for it (as PGlite's own transactions made them). Statement names (`QueryOptions.name`) are ignored:
 * every statement is parsed and planned anew. When the worker dies, every statement fails with
 * IndexUnavailableError.
 */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  const worker = new Worker(workerUrl(), { workerData: { dataDir } satisfies PgliteWorkerData });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;

  // The worker keeps the process alive only while it owes an answer.
  const settled = (id: number) => {
    pending.delete(id);
    if (pending.size === 0) worker.unref();
  };
  const fail = (error: Error) => {
    failure ??= error;
    for (const [id, waiter] of pending) {
      settled(id);
      waiter.reject(failure);
    }
  };

  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the embedded index's worker exited with ${code}`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (ready: PgliteReady) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (ready.ready) resolve();
      else void worker.terminate().finally(() => reject(toError(ready.error)));
    });
  });

  worker.on('message', (reply: PgliteReply) => {
    const waiter = pending.get(reply.id);
    if (waiter === undefined) return;
    settled(reply.id);
    if ('error' in reply) waiter.reject(toError(reply.error));
    else waiter.resolve(reply.rows);
  });
  worker.on('error', (error) => fail(new IndexUnavailableError(OPERATION, undefined, { cause: error })));
  worker.on('exit', (code) =>
    fail(
      new IndexUnavailableError(OPERATION, undefined, { cause: new Error(`its worker exited with ${code}`) }),
    ),
  );
  worker.unref();

  const send = (command: PgliteCommand): Promise<unknown[]> => {
    if (failure !== undefined) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...command, id } satisfies PgliteRequest);
    });
  };
  const query = async <R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => ({
    rows: (await send({ kind: 'query', sql, params: params ?? [] })) as R[],
  });

  /** Settles once every transaction begun so far has ended: what a statement outside them waits for. */
  let transactionsEnded: Promise<void> = Promise.resolve();

  return {
    query: <R>(sql: string, params?: readonly unknown[]) =>
      transactionsEnded.then(() => query<R>(sql, params)),

    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const result = transactionsEnded.then(async () => {
        await send({ kind: 'exec', sql: 'BEGIN' });
        try {
          const value = await fn(transactionClient({ query }));
          await send({ kind: 'exec', sql: 'COMMIT' });
          return value;
        } catch (error) {
          await send({ kind: 'exec', sql: 'ROLLBACK' }).catch(() => undefined);
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
      if (failure === undefined) await send({ kind: 'close' });
      failure ??= new Error('the embedded index is closed');
      await worker.terminate();
    },
  };
}
