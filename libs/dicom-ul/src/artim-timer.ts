/** The Association Request/Reject/Release Timer (ARTIM, PS3.8 9.1.5): one timeout, started, restarted or stopped. */
export class ArtimTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    private readonly onExpired: () => void,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Start, or restart if already started. */
  start(): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onExpired();
    }, this.timeoutMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
