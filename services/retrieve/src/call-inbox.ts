/**
 * What the gateway sends on a `Retrieve.Move` or `Retrieve.Get` call: the header first, then (for a get)
 * one sub-operation result per instance, and possibly a cancel (C-CANCEL). The inbox hands out the
 * header and the results in order, and remembers the cancel and the end of the call.
 */
import type { EventEmitter } from 'node:events';

export class CallClosedError extends Error {
  override readonly name = 'CallClosedError';
}

/** One message of the call as the inbox sees it. */
export type InboxMessage<H> =
  | { readonly kind: 'header'; readonly header: H }
  | { readonly kind: 'result'; readonly result: SubOperationResult }
  | { readonly kind: 'cancel' };

/** A C-GET sub-operation's outcome as the gateway reports it. */
export interface SubOperationResult {
  /** The C-STORE-RSP status (0xA702 when the gateway could not send it). */
  readonly status: number;
  /** Not sent: a C-CANCEL came before its turn. It stays remaining. */
  readonly skipped: boolean;
}

export class CallInbox<M, H> {
  private readonly results: SubOperationResult[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private resolveHeader: ((header: H | undefined) => void) | undefined;
  /** The call's first message; undefined when the call ends without one. */
  readonly header: Promise<H | undefined>;
  /** A cancel (C-CANCEL) came: stop after the object in flight. */
  cancelled = false;

  constructor(call: EventEmitter, classify: (message: M) => InboxMessage<H> | undefined) {
    this.header = new Promise((resolve) => {
      this.resolveHeader = resolve;
    });
    call.on('data', (message: M) => {
      const part = classify(message);
      if (part?.kind === 'header') this.resolveHeader?.(part.header);
      else if (part?.kind === 'result') this.results.push(part.result);
      else if (part?.kind === 'cancel') this.cancelled = true;
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
  async nextResult(): Promise<SubOperationResult> {
    for (;;) {
      const result = this.results.shift();
      if (result !== undefined) return result;
      if (this.ended) throw new CallClosedError('the gateway closed the call');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
