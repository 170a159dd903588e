/**
 * One worker thread running PGlite (pglite-worker.ts), and the commands it owes an answer. It keeps the
 * process alive only while it owes one. Once it has died or been closed, every command fails.
 */
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

/** The worker's file beside this one: compiled in dist, the source under Node's type stripping in src. */
const WORKER_FILES = ['./pglite-worker.js', './pglite-worker.ts'];
/** What IndexUnavailableError names as the operation that failed. */
const EMBEDDED_INDEX_OPERATION = 'embedded index';

function workerUrl(): URL {
  for (const file of WORKER_FILES) {
    const url = new URL(file, import.meta.url);
    if (existsSync(url)) return url;
  }
  throw new Error(`the embedded index's worker is missing beside ${import.meta.url}`);
}

/** The index is unavailable because of `cause` (the thread died, or could not start again). */
export function unavailable(cause: unknown): IndexUnavailableError {
  return new IndexUnavailableError(EMBEDDED_INDEX_OPERATION, undefined, { cause });
}

function toError(error: PgliteErrorFields): EmbeddedIndexError {
  return new EmbeddedIndexError(error.name, error.message, error.fields);
}

interface Waiter {
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: Error) => void;
}

export class PgliteThread {
  readonly #pending = new Map<number, Waiter>();
  #nextId = 1;
  #failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    /** Told when the thread dies, not when it is closed. */
    private readonly onDied: (error: Error) => void,
  ) {
    worker.on('message', (reply: PgliteReply) => this.#answered(reply));
    worker.on('error', (error) => this.#fail(unavailable(error)));
    worker.on('exit', (code) => this.#fail(unavailable(new Error(`its worker exited with ${code}`))));
    worker.unref();
  }

  /** Starts the worker; resolves once PGlite is open in `dataDir`, rejects when it cannot be. */
  static async start(dataDir: string, onDied: (error: Error) => void = () => {}): Promise<PgliteThread> {
    const worker = new Worker(workerUrl(), { workerData: { dataDir } satisfies PgliteWorkerData });
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
    return new PgliteThread(worker, onDied);
  }

  /** False once the thread has died or been closed. */
  get alive(): boolean {
    return this.#failure === undefined;
  }

  /** The rows of `command` (none for `exec` and `close`). */
  send(command: PgliteCommand): Promise<unknown[]> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...command, id } satisfies PgliteRequest);
    });
  }

  /** Closes PGlite (after the commands sent before) and ends the thread. */
  async close(): Promise<void> {
    try {
      if (this.#failure === undefined) await this.send({ kind: 'close' });
    } finally {
      this.#failure ??= new Error('the embedded index is closed');
      await this.worker.terminate();
    }
  }

  #answered(reply: PgliteReply): void {
    const waiter = this.#pending.get(reply.id);
    if (waiter === undefined) return;
    this.#settled(reply.id);
    if ('error' in reply) waiter.reject(toError(reply.error));
    else waiter.resolve(reply.rows);
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.worker.unref();
  }

  #fail(error: Error): void {
    const dying = this.#failure === undefined;
    this.#failure ??= error;
    for (const [id, waiter] of this.#pending) {
      this.#settled(id);
      waiter.reject(this.#failure);
    }
    if (dying) this.onDied(error);
  }
}
