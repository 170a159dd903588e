/**
 * Whether the objects of a C-MOVE are read ahead on the event loop's own thread (BlobStore.readIntoSync)
 * rather than through the thread pool. Read ahead, an object is read while the destination works on the one
 * just sent, when the event loop has nothing else to do: from the page cache a CT image takes about 0.1 ms
 * that way. Through the thread pool the same read is three round trips (open, read, close), each waking the
 * event loop, and on a small machine the pool's thread takes a core from the destination or from this
 * process. 400 CT images moved to DCMTK storescp on two cores, two all-in-one processes moving in turn (25-30
 * moves each, four runs): medians 0.26-0.27 s read on the loop against 0.29-0.30 s through the pool in three
 * runs, level in the fourth; less CPU time per move in all. A slow store (a cold network volume) would stall
 * every other association of the process instead, so reads go through the pool for SYNC_READ_COOLDOWN_MS
 * once the read time, smoothed, passes SLOW_SYNC_READ_MS: a stall shuts the gate at once, steadily slow
 * reads within about ten, but not one read that took long because the machine ran something else meanwhile
 * (shutting on any single read over 2 ms did that a few times a minute on a busy two-core machine).
 */

/** The smoothed read time on the event loop above which the gate shuts. */
export const SLOW_SYNC_READ_MS = 2;
/** The weight of each read in the smoothed time (as TCP smooths round-trip times). */
export const READ_TIME_SMOOTHING = 1 / 8;
/** How long reads go through the thread pool once they were slow. */
export const SYNC_READ_COOLDOWN_MS = 30_000;

export interface SyncReadGateOptions {
  /** Milliseconds on a monotonic clock (default: performance.now). */
  readonly now?: () => number;
  /** Told when reads were slow (the smoothed time, ms) and shut the gate. */
  readonly onShut?: (smoothedMs: number) => void;
}

export class SyncReadGate {
  private shutUntil = Number.NEGATIVE_INFINITY;
  private smoothedMs = 0;
  private readonly now: () => number;

  constructor(private readonly options: SyncReadGateOptions = {}) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Reads may run on this thread now. */
  get open(): boolean {
    return this.now() >= this.shutUntil;
  }

  /** Runs a synchronous read, timed (failed or not); the gate shuts when reads are slow. */
  run(read: () => void): void {
    const started = this.now();
    try {
      read();
    } finally {
      this.smoothedMs += (this.now() - started - this.smoothedMs) * READ_TIME_SMOOTHING;
      if (this.smoothedMs > SLOW_SYNC_READ_MS) {
        const smoothedMs = this.smoothedMs;
        this.shutUntil = this.now() + SYNC_READ_COOLDOWN_MS;
        this.smoothedMs = 0; // judged afresh when it opens again
        this.options.onShut?.(smoothedMs);
      }
    }
  }
}
