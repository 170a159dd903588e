/**
 * Whether the objects of a C-MOVE are read ahead on the event loop's own thread (BlobStore.readIntoSync)
 * rather than through the thread pool. Read ahead, an object is read while the destination works on the one
 * just sent, when the event loop has nothing else to do: from the page cache a CT image takes about 0.1 ms
 * that way. Through the thread pool the same read is three round trips (open, read, close), each waking the
 * event loop, and on a small machine the pool's thread takes a core from the destination or from this
 * process. 400 CT images moved to DCMTK storescp on two cores, two all-in-one processes moving in turn (25-30
 * moves each, four runs): medians 0.26-0.27 s read on the loop against 0.29-0.30 s through the pool in three
 * runs, level in the fourth; less CPU time per move in all. A slow store (a cold network
 * volume) would stall every other association of the process instead, so a read slower than
 * SLOW_SYNC_READ_MS shuts the gate for SYNC_READ_COOLDOWN_MS, and reads go through the pool meanwhile.
 */

/** A read on the event loop longer than this shuts the gate. */
export const SLOW_SYNC_READ_MS = 2;
/** How long reads go through the thread pool once one was slow. */
export const SYNC_READ_COOLDOWN_MS = 30_000;

export interface SyncReadGateOptions {
  /** Milliseconds on a monotonic clock (default: performance.now). */
  readonly now?: () => number;
  /** Told when a read took `ms` and shut the gate. */
  readonly onShut?: (ms: number) => void;
}

export class SyncReadGate {
  private shutUntil = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: SyncReadGateOptions = {}) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Reads may run on this thread now. */
  get open(): boolean {
    return this.now() >= this.shutUntil;
  }

  /** Runs a synchronous read, timed: one slower than SLOW_SYNC_READ_MS (failed or not) shuts the gate. */
  run(read: () => void): void {
    const started = this.now();
    try {
      read();
    } finally {
      const ms = this.now() - started;
      if (ms > SLOW_SYNC_READ_MS) {
        this.shutUntil = this.now() + SYNC_READ_COOLDOWN_MS;
        this.options.onShut?.(ms);
      }
    }
  }
}
