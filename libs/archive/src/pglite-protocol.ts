/**
 * The messages between the embedded index's client (pglite-client.ts) and the worker thread that runs
 * PGlite (pglite-worker.ts). Types only: the worker runs from its own file and loads nothing else of ours.
 */

/** Data for the worker: where PGlite keeps its files. */
export interface PgliteWorkerData {
  readonly dataDir: string;
}

/** `query`: one statement with parameters (extended protocol); `exec`: BEGIN, COMMIT, ROLLBACK. */
export type PgliteCommand =
  | { readonly kind: 'query'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly kind: 'exec'; readonly sql: string }
  | { readonly kind: 'close' };

/** A command and the id its reply carries. */
export type PgliteRequest = PgliteCommand & { readonly id: number };

/** An error as it crossed the thread: its name, message and PostgreSQL fields (code, detail...). */
export interface PgliteErrorFields {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean | undefined>>;
}

export type PgliteReply =
  | { readonly id: number; readonly rows: unknown[] }
  | { readonly id: number; readonly error: PgliteErrorFields };

/** The worker's first message: PGlite is open, or could not be opened. */
export type PgliteReady =
  | { readonly ready: true }
  | { readonly ready: false; readonly error: PgliteErrorFields };
