/**
 * The worker thread that runs the embedded index: PGlite (PostgreSQL compiled to WASM) spends most of a
 * C-STORE's index time in WASM, which on the main thread held up every association's DIMSE and gRPC work.
 * It answers the requests of pglite-client.ts one at a time, in the order they come (PGlite has one
 * connection).
 *
 * This file is a worker entry: it imports no module of ours at run time (pglite-protocol.ts is types only),
 * so it runs alike from dist and, under Node's type stripping, from src.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type {
  PgliteErrorFields,
  PgliteReady,
  PgliteReply,
  PgliteRequest,
  PgliteWorkerData,
} from './pglite-protocol.js';

/** What an error carries across the thread: its own fields with primitive values (code, detail, ...). */
function errorFields(error: unknown): PgliteErrorFields {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean | undefined> = {};
  for (const [key, value] of Object.entries(error)) {
    if (['string', 'number', 'boolean'].includes(typeof value))
      fields[key] = value as string | number | boolean;
  }
  return { name: error.name, message: error.message, fields };
}

const port = parentPort;
if (port === null) throw new Error('pglite-worker.ts runs as a worker thread only');
const { dataDir } = workerData as PgliteWorkerData;

/** Answers one request of the client. */
async function answer(db: PGlite, request: PgliteRequest): Promise<PgliteReply> {
  switch (request.kind) {
    case 'query':
      return { id: request.id, rows: (await db.query(request.sql, request.params as unknown[])).rows };
    case 'exec':
      await db.exec(request.sql);
      return { id: request.id, rows: [] };
    case 'close':
      await db.close();
      return { id: request.id, rows: [] };
  }
}

/** Answers requests one at a time, in arrival order: a transaction's statements come between its BEGIN and its end. */
function serve(db: PGlite, port: MessagePort): void {
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (request: PgliteRequest) => {
    previous = previous.then(() =>
      answer(db, request).then(
        (reply) => port.postMessage(reply),
        (error: unknown) =>
          port.postMessage({ id: request.id, error: errorFields(error) } satisfies PgliteReply),
      ),
    );
  });
}

// A PGlite that cannot open leaves nothing listening: the thread ends once its answer is sent.
const db = await PGlite.create(dataDir).catch((error: unknown) => {
  port.postMessage({ ready: false, error: errorFields(error) } satisfies PgliteReady);
  return undefined;
});
if (db !== undefined) {
  port.postMessage({ ready: true } satisfies PgliteReady);
  serve(db, port);
}
