/**
 * One instance of a `Retrieve.Get` stream as a C-STORE data set: the chunks that follow its GetInstance,
 * pulled from the call only as fast as the sub-operation sends them (so gRPC flow control holds the
 * retrieve service back), up to its GetInstanceEnd.
 */
import { type GetResponse, startStreamedBytes } from '@dicomesh/rpc';

export class GetStreamEndedError extends Error {
  override readonly name = 'GetStreamEndedError';
}

export class InstanceChunks {
  private ended = false;

  constructor(private readonly messages: AsyncIterator<GetResponse>) {}

  /** The data set bytes, for `ctx.store`. */
  async *source(): AsyncGenerator<Buffer> {
    // The chunks die young: scavenged while in flight rather than left to a mark-compact.
    const streamed = startStreamedBytes();
    try {
      while (!this.ended) {
        const next = await this.messages.next();
        if (next.done) {
          this.ended = true;
          throw new GetStreamEndedError('Retrieve.Get ended inside an instance');
        }
        const part = next.value.part;
        if (part?.$case === 'chunk') {
          streamed.note(part.value.length);
          yield part.value;
        } else if (part?.$case === 'instanceEnd') this.ended = true;
      }
    } finally {
      streamed.end();
    }
  }

  /** Skips what the sub-operation did not read (it failed, or was never sent), up to the instance's end. */
  async drain(): Promise<void> {
    while (!this.ended) {
      const next = await this.messages.next();
      if (next.done || next.value.part?.$case === 'instanceEnd') this.ended = true;
    }
  }
}
