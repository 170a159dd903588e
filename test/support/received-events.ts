/** Test helper: what a durable consumer receives, read (and acknowledged) until there is enough of it. */
import type { DurableConsumer, ReceivedEvent } from '@dicomesh/events';
import { pollUntil } from './poll.ts';

export interface ReceiveOptions {
  /** Fails after this long without `enough`. */
  readonly timeoutMs: number;
  /** After `enough`, read on for this long (a timed settle window: an extra event would arrive in it). */
  readonly settleMs?: number;
}

/** Reads `consumer` until `enough(received)` holds (then for `settleMs` more), closes it, and returns what came. */
export async function receiveUntil(
  consumer: DurableConsumer,
  what: string,
  enough: (received: readonly ReceivedEvent[]) => boolean,
  options: ReceiveOptions,
): Promise<ReceivedEvent[]> {
  const received: ReceivedEvent[] = [];
  const reading = (async () => {
    for await (const event of consumer) {
      received.push(event);
      event.ack();
    }
  })();
  try {
    await pollUntil(what, () => (enough(received) ? true : undefined), options.timeoutMs);
    if (options.settleMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
  } finally {
    await consumer.close();
    await reading;
  }
  return received;
}
