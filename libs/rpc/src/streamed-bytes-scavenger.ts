/**
 * Frees the Buffers of streamed data sets with a young-generation collection (a scavenge) every
 * SCAVENGE_EVERY_BYTES of data set passed on per stream in progress. A process that streams images (socket reads, gRPC frames and
 * messages) allocates many large Buffers and few JavaScript objects, so V8 seldom scavenges on its own; the
 * Buffers' memory then grows until V8's external-memory trigger (64 MiB) starts a full mark-compact of the
 * whole heap. Measured storing 400 CT images of 512 KiB through the services topology: storage ran 53
 * mark-compacts and the gateway 43, about half of their CPU; a scavenge costs about a millisecond and frees
 * them while they are young, so the heap is marked a few times instead, and the peak RSS is lower too.
 * (Making V8 count Buffers in its heap limit instead, --external-memory-accounted-in-global-limit, saved as
 * much CPU but raised storage's peak RSS for a 5 GiB object from about 195 to about 250 MiB.)
 *
 * The collection is V8's `gc({ type: 'minor' })`, reached without --expose-gc on the command line by
 * setting the flag and taking `gc` from a new context (the flag applies to contexts made after it).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Data set bytes passed on between two scavenges, per stream in progress: a chunk that is still in flight
 * when a second scavenge comes is moved to the old generation (only a mark-compact frees it), so the more
 * streams run at once, the more bytes pass between scavenges (each byte is held by about two Buffers).
 */
export const SCAVENGE_EVERY_BYTES = 2 * 1024 * 1024;

type GcFunction = (options: { type: 'minor' }) => void;

let collect: GcFunction | undefined;
let sinceScavenge = 0;
let scheduled = false;
let activeStreams = 0;

function gcFunction(): GcFunction {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as GcFunction;
  }
  return collect;
}

function scavenge(): void {
  scheduled = false;
  sinceScavenge = 0;
  gcFunction()({ type: 'minor' });
}

/** One data set streaming through this process (a Store call received, or sent by the gateway). */
export interface StreamedBytes {
  /**
   * Counts `bytes` passed on (a chunk received or sent); once SCAVENGE_EVERY_BYTES per stream in progress
   * have passed since the last scavenge, one runs in the next turn of the event loop.
   */
  note(bytes: number): void;
  /** The stream is over (idempotent); call it however the stream ends. */
  end(): void;
}

export function startStreamedBytes(): StreamedBytes {
  activeStreams++;
  let ended = false;
  return {
    note(bytes: number): void {
      sinceScavenge += bytes;
      if (scheduled || sinceScavenge < SCAVENGE_EVERY_BYTES * Math.max(1, activeStreams)) return;
      scheduled = true;
      setImmediate(scavenge);
    },
    end(): void {
      if (ended) return;
      ended = true;
      activeStreams--;
    },
  };
}
