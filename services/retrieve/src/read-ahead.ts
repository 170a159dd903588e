/**
 * Whole-object reads for a C-MOVE's sub-operations, into two buffers used in turn: while one object is
 * sent from one buffer, the next is read into the other, so the blob read is off the critical path. Only
 * objects that travel unchanged and fit a buffer are read this way; the others stream (undefined here).
 * Reusing the buffers instead of a fresh one per object keeps V8 from running a full mark-compact every
 * few dozen CT images (external memory pressure).
 */
import type { BlobStore } from '@dicomesh/archive';
import type { RetrievableInstance } from './resolve-instances.js';

/** The largest data set read whole; each of the two buffers is this large. */
export const READ_AHEAD_BUFFER_BYTES = 1024 * 1024;

interface Ahead {
  readonly instance: RetrievableInstance;
  readonly transferSyntaxUid: string;
  readonly read: Promise<Buffer | undefined>;
}

export class ReadAhead {
  private readonly buffers: (Buffer | undefined)[] = [undefined, undefined];
  private turn = 0;
  private ahead: Ahead | undefined;

  constructor(private readonly blobStore: BlobStore) {}

  /**
   * The data set of the object about to be sent, in a buffer that stays untouched until the next take()
   * (send it, and wait until it is written, before that); undefined when it must stream.
   */
  async take(instance: RetrievableInstance, transferSyntaxUid: string): Promise<Buffer | undefined> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead) {
      if (ahead.instance === instance && ahead.transferSyntaxUid === transferSyntaxUid) return ahead.read;
      // A read nobody takes still writes into its buffer: let it finish before that buffer is used again.
      await ahead.read.catch(() => undefined);
    }
    return this.read(instance, transferSyntaxUid);
  }

  /** Start reading the object that follows (after take() of the current one). Its errors surface in take(). */
  prefetch(instance: RetrievableInstance, transferSyntaxUid: string): void {
    const read = this.read(instance, transferSyntaxUid);
    read.catch(() => undefined);
    this.ahead = { instance, transferSyntaxUid, read };
  }

  private async read(instance: RetrievableInstance, transferSyntaxUid: string): Promise<Buffer | undefined> {
    const length = instance.size - instance.dataSetOffset;
    if (transferSyntaxUid !== instance.transferSyntaxUid || length > READ_AHEAD_BUFFER_BYTES)
      return undefined;
    const index = this.turn;
    this.turn ^= 1;
    const buffer = this.buffers[index] ?? Buffer.allocUnsafe(READ_AHEAD_BUFFER_BYTES);
    this.buffers[index] = buffer;
    await this.blobStore.readInto(instance.blobKey, buffer, instance.dataSetOffset, instance.size);
    return buffer.subarray(0, length);
  }
}
