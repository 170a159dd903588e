/** Delays between restarts of a failing watch: doubling from `initialMs` up to `maxMs`, with jitter. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Fraction of each delay drawn at random (0: none), so replicas do not retry in step. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };

/** Counts consecutive failures; `reset` after a success starts again from `initialMs`. */
export class RestartBackoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt, counting one more failure. */
  next(): number {
    const { initialMs, maxMs, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    return Math.round(base * (1 - jitter * this.random()));
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
