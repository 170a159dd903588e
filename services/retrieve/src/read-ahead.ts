/**
 * Whole-object reads for the sub-operations of a C-MOVE or C-GET, into a few buffers used in turn: while one object is
 * sent from its buffer, the next READ_AHEAD_DEPTH objects are read into the others, so the blob reads are
 * off the critical path. One object ahead was not enough: a read is three thread-pool round trips (open,
 * read, close), each waiting for the event loop, which is busy writing the current object to the socket;
 * the next object was often still being read when the destination answered the current one (strace:
 * the next writev came only after the read's completions, up to 1 ms after the response).
 * Only objects that travel unchanged and fit a buffer are read this way; the others stream (undefined
 * here). Reusing the buffers instead of a fresh one per object keeps V8 from running a full mark-compact
 * every few dozen CT images (external memory pressure).
 */
import type { BlobStore } from '@dicomesh/archive';
import type { RetrievableInstance } from './resolve-instances.js';
import type { SyncReadGate } from './sync-read-gate.js';

/** The largest data set read whole; each buffer is this large. */
export const READ_AHEAD_BUFFER_BYTES = 1024 * 1024;
/** Objects read ahead of the one being sent. */
export const READ_AHEAD_DEPTH = 2;

/** An object to read ahead: the instance and the syntax it will be sent in. */
export interface UpcomingObject {
  readonly instance: RetrievableInstance;
  readonly transferSyntaxUid: string;
}

/** The objects sent after the one at `index` of a plan (those with a syntax), as many as are read ahead. */
export function upcomingAfter(
  plan: readonly { readonly instance: RetrievableInstance; readonly transferSyntaxUid: string | undefined }[],
  index: number,
): UpcomingObject[] {
  const upcoming: UpcomingObject[] = [];
  for (let i = index + 1; i < plan.length && upcoming.length < READ_AHEAD_DEPTH; i++) {
    const { instance, transferSyntaxUid } = plan[i] as (typeof plan)[number];
    if (transferSyntaxUid !== undefined) upcoming.push({ instance, transferSyntaxUid });
  }
  return upcoming;
}

interface Ahead extends UpcomingObject {
  /** The buffer it is read into; undefined when it streams. */
  readonly buffer: Buffer | undefined;
  readonly read: Promise<Buffer | undefined>;
}

export class ReadAhead {
  private readonly free: Buffer[] = [];
  /** The buffer of the object being sent: untouched until the next take(). */
  private sending: Buffer | undefined;
  /** Reads started, in the order the objects will be taken. */
  private readonly ahead: Ahead[] = [];

  /** With a gate, objects are read on the event loop's thread while it is open (sync-read-gate.ts). */
  constructor(
    private readonly blobStore: BlobStore,
    private readonly syncReads?: SyncReadGate,
  ) {}

  /**
   * The data set of the object about to be sent, in a buffer that stays untouched until the next take()
   * (send it, and wait until it is written, before that); undefined when it must stream.
   */
  async take(instance: RetrievableInstance, transferSyntaxUid: string): Promise<Buffer | undefined> {
    this.release(this.sending);
    this.sending = undefined;
    const first = this.ahead[0];
    if (first?.instance === instance && first.transferSyntaxUid === transferSyntaxUid) {
      this.ahead.shift();
      this.sending = first.buffer;
      return first.read;
    }
    // Not what was read ahead: reads nobody takes still write into their buffers; let them finish first.
    for (const skipped of this.ahead.splice(0)) {
      await skipped.read.catch(() => undefined);
      this.release(skipped.buffer);
    }
    const started = this.start({ instance, transferSyntaxUid });
    this.sending = started.buffer;
    return started.read;
  }

  /**
   * Start reading the objects that follow the one taken last, in order, as far as READ_AHEAD_DEPTH: pass
   * them all (or the next few); those already being read are skipped. Errors surface in take().
   */
  prefetch(upcoming: readonly UpcomingObject[]): void {
    for (const next of upcoming.slice(this.ahead.length, READ_AHEAD_DEPTH)) {
      const started = this.start(next);
      started.read.catch(() => undefined);
      this.ahead.push(started);
    }
  }

  private start(object: UpcomingObject): Ahead {
    const { instance, transferSyntaxUid } = object;
    const length = instance.size - instance.dataSetOffset;
    if (transferSyntaxUid !== instance.transferSyntaxUid || length > READ_AHEAD_BUFFER_BYTES)
      return { ...object, buffer: undefined, read: Promise.resolve(undefined) };
    const buffer = this.free.pop() ?? Buffer.allocUnsafe(READ_AHEAD_BUFFER_BYTES);
    const read = this.readInto(instance, buffer).then(() => buffer.subarray(0, length));
    return { ...object, buffer, read };
  }

  private readInto(instance: RetrievableInstance, buffer: Buffer): Promise<void> {
    const { blobKey, dataSetOffset, size } = instance;
    const gate = this.syncReads;
    if (gate?.open !== true) return this.blobStore.readInto(blobKey, buffer, dataSetOffset, size);
    try {
      gate.run(() => this.blobStore.readIntoSync(blobKey, buffer, dataSetOffset, size));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private release(buffer: Buffer | undefined): void {
    if (buffer) this.free.push(buffer);
  }
}
