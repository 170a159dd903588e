/**
 * Writing a retrieve's messages to its gRPC stream: waits for `drain` when the stream is full (or the call
 * is cancelled), a ticker that sends the counts at least every second while a sub-operation is in flight,
 * and the pace of the counts sent after sub-operations.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Pending responses at least this often (the cadence), besides those after sub-operations. */
export const PROGRESS_INTERVAL_MS = 1_000;
/** A retrieve of at most this many sub-operations (a small one) has its counts sent after each of them. */
export const EVERY_SUB_OPERATION_UP_TO = 100;
/**
 * In a larger retrieve, counts follow a sub-operation only this long after the last ones sent: each is a
 * gRPC message and a C-MOVE/C-GET Pending response the SCU must read, on the path of every object
 * (PS3.4 C.4.2.1.6 makes Pending responses optional; these still come ten times a second).
 */
export const PROGRESS_MIN_INTERVAL_MS = 100;

export async function writeMessage<T>(stream: Writable, message: T, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (stream.write(message)) return;
  await once(stream, 'drain', { signal }).catch(() => undefined);
}

/** Whether the counts should be sent after a sub-operation: always in a small retrieve, else paced. */
export class ProgressPace {
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(private readonly subOperations: number) {}

  /** Asks after each sub-operation; a true answer counts as sent. */
  due(now = performance.now()): boolean {
    if (this.subOperations > EVERY_SUB_OPERATION_UP_TO && now - this.lastSent < PROGRESS_MIN_INTERVAL_MS)
      return false;
    this.lastSent = now;
    return true;
  }
}

/** Calls `tick` every `intervalMs` until stopped (never keeps the process alive). */
export function startTicker(tick: () => void, intervalMs = PROGRESS_INTERVAL_MS): () => void {
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
