/**
 * What the gateway sends on a `Retrieve.Get` call after its header: one sub-operation result per instance,
 * and possibly a cancel. The inbox hands out the results in order, and remembers the cancel and the end.
 */
import type { GetHeader, GetRequest, GetResponse, ServerDuplexStream } from '@dicomesh/rpc';

export class GetCallClosedError extends Error {
  override readonly name = 'GetCallClosedError';
}

export class GetInbox {
  private readonly results: number[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private resolveHeader: ((header: GetHeader | undefined) => void) | undefined;
  /** The call's first message; undefined when the call ends without one. */
  readonly header: Promise<GetHeader | undefined>;
  cancelled = false;

  constructor(call: ServerDuplexStream<GetRequest, GetResponse>, onCancel: () => void) {
    this.header = new Promise((resolve) => {
      this.resolveHeader = resolve;
    });
    call.on('data', (message: GetRequest) => {
      const part = message.part;
      if (part?.$case === 'header') this.resolveHeader?.(part.value);
      else if (part?.$case === 'result') this.results.push(part.value.status);
      else if (part?.$case === 'cancel') {
        this.cancelled = true;
        onCancel();
      }
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.resolveHeader?.(undefined);
      this.wake();
    };
    call.on('end', end);
    call.on('error', end);
    call.on('cancelled', end);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** The next sub-operation result; rejects when the call ends first. */
  async nextResult(): Promise<number> {
    for (;;) {
      const status = this.results.shift();
      if (status !== undefined) return status;
      if (this.ended) throw new GetCallClosedError('Retrieve.Get: the gateway closed the call');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
