/**
 * Frees the Buffers of streamed data sets with a young-generation collection (a scavenge) every
 * SCAVENGE_EVERY_BYTES of data set passed on per stream in progress, never more often than every
 * SCAVENGE_FLOOR_BYTES and never less often than every SCAVENGE_CEILING_BYTES. A process that streams images (socket reads, gRPC frames and
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
 *
 * Such a process also starts incremental marking only once its old generation has used MARKING_SOFT_TRIGGER
 * percent of its limit (at MARKING_HARD_TRIGGER percent, at once). By default V8 started it after about every
 * third scavenge, on a heap of 25 MiB against a limit of 65 MiB, and each mark-compact freed under 1 MiB:
 * storage ran about 30 per 400 CT images and the gateway 8-14 per C-GET of them, their marking threads taking
 * a core from the other processes. With the triggers, 1-3 each: a C-GET of the 400 images through the
 * services topology went from 1.17-1.41 s to 0.88-1.24 s (interleaved runs), and storage's CPU per stored
 * CT image fell by 0-15% (7.3-8.7 ms against 7.6-9.9 ms on a slow hour of the machine). A heap that does
 * grow toward its limit is still marked incrementally.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Data set bytes passed on between two scavenges, per stream in progress: a chunk that is still in flight
 * when a second scavenge comes is moved to the old generation (only a mark-compact frees it), so the more
 * streams run at once, the more bytes pass between scavenges (each byte is held by about two Buffers).
 */
export const SCAVENGE_EVERY_BYTES = 2 * 1024 * 1024;
/**
 * The fewest bytes passed on between two scavenges, however few streams are in progress: a scavenge costs
 * most of a millisecond whatever it frees, so one every 2 MiB of a single stream cost more than the
 * mark-compacts it saved. Measured with the library's SCP (test/bench/bench-scp.ts, which scavenges the same
 * way) receiving eight times the 400 CT-size objects of `make bench` from `dicomesh store`, garbage collector
 * time in its profile: 536-669 ms with a scavenge every 2 MiB, 204 ms every 8 MiB, 112-142 ms every 16 MiB,
 * 67 ms every 32 MiB, 571 ms with none (V8's own mark-compacts). The 5 GiB object of
 * test/faults/large-object.test.ts went through the services at 245-284 MiB/s instead of 204, storage taking
 * 15-17 s of CPU instead of 21; the price is dead Buffers held longer: the gateway's peak RSS rose from 133 to
 * 175-180 MiB (each byte passes through more than one Buffer there), storage's stayed at 188-195 MiB.
 */
export const SCAVENGE_FLOOR_BYTES = 16 * 1024 * 1024;
/**
 * The most bytes passed on between two scavenges, however many streams are in progress: below V8's own
 * external-memory trigger (64 MiB), which starts a mark-compact of the whole heap. Without it, 32 streams in
 * progress let 64 MiB pass, and 1 GiB of Buffers cost 9 mark-compacts instead of 1 or 2.
 */
export const SCAVENGE_CEILING_BYTES = 48 * 1024 * 1024;

/** Percent of the old generation's limit at which incremental marking starts in a task... */
export const MARKING_SOFT_TRIGGER = 50;
/** ...and at once. */
export const MARKING_HARD_TRIGGER = 80;

type GcFunction = (options: { type: 'minor' }) => void;

let collect: GcFunction | undefined;
let markingTriggersSet = false;
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

/** Bytes to pass on before the next scavenge: SCAVENGE_EVERY_BYTES per stream, within the floor and ceiling. */
function scavengeThreshold(): number {
  const perStreams = SCAVENGE_EVERY_BYTES * activeStreams;
  return Math.min(SCAVENGE_CEILING_BYTES, Math.max(SCAVENGE_FLOOR_BYTES, perStreams));
}

/** One data set streaming through this process (a Store call received, or sent by the gateway). */
export interface StreamedBytes {
  /**
   * Counts `bytes` passed on (a chunk received or sent); once SCAVENGE_EVERY_BYTES per stream in progress
   * (within SCAVENGE_FLOOR_BYTES and SCAVENGE_CEILING_BYTES) have passed since the last scavenge, one runs
   * in the next turn of the event loop.
   */
  note(bytes: number): void;
  /** The stream is over (idempotent); call it however the stream ends. */
  end(): void;
}

/** The marking triggers above, set once, with the process's first data set (the flags are read at each GC). */
function setMarkingTriggers(): void {
  if (markingTriggersSet) return;
  markingTriggersSet = true;
  setFlagsFromString(`--incremental-marking-soft-trigger=${MARKING_SOFT_TRIGGER}`);
  setFlagsFromString(`--incremental-marking-hard-trigger=${MARKING_HARD_TRIGGER}`);
}

export function startStreamedBytes(): StreamedBytes {
  setMarkingTriggers();
  activeStreams++;
  let ended = false;
  return {
    note(bytes: number): void {
      sinceScavenge += bytes;
      if (scheduled || sinceScavenge < scavengeThreshold()) return;
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
