/**
 * Writing a retrieve's messages to its gRPC stream: waits for `drain` when the stream is full (or the call
 * is cancelled), and a ticker that sends the counts at least every second while a sub-operation is in flight.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Pending responses at least this often (the cadence), besides one after each sub-operation. */
export const PROGRESS_INTERVAL_MS = 1_000;

export async function writeMessage<T>(stream: Writable, message: T, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  if (stream.write(message)) return;
  await once(stream, 'drain', { signal }).catch(() => undefined);
}

/** Calls `tick` every `intervalMs` until stopped (never keeps the process alive). */
export function startTicker(tick: () => void, intervalMs = PROGRESS_INTERVAL_MS): () => void {
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
