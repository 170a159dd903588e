/**
 * TEST DOUBLE: an in-memory pair of objects implementing our own `Association` interface of
 * @dicomesh/dicom-ul, for unit tests of the DIMSE layer without sockets. P-DATA sent on one side is
 * delivered (asynchronously, PDU by PDU) to the other; `pauseInbound` really holds delivery back; every
 * PDU is checked against the receiver's maximum PDU length and recorded.
 */
import { EventEmitter } from 'node:events';
import type {
  Association,
  AssociationEnd,
  AssociationEvents,
  NegotiatedAssociation,
  NegotiatedPresentationContext,
  PresentationDataValue,
} from '@dicomesh/dicom-ul';

export interface MemoryContext {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
  requestorIsScu?: boolean;
  requestorIsScp?: boolean;
  result?: 0 | 1 | 2 | 3 | 4;
}

export interface MemoryPairOptions {
  contexts: MemoryContext[];
  /** Max PDU length the acceptor accepts (the requestor's peerMaxPduLength), and vice versa. */
  acceptorMaxPdu?: number;
  requestorMaxPdu?: number;
  maxOperationsInvoked?: number;
  maxOperationsPerformed?: number;
  /** Keep every sent PDU in `sent` (default true; off for big transfers). */
  recordSent?: boolean;
}

let counter = 0;

export class MemoryAssociation extends EventEmitter<AssociationEvents> implements Association {
  readonly id = `mem-${++counter}`;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 0;
  peer!: MemoryAssociation;
  ended = false;
  paused = false;
  /** Every PDU this side sent (each a list of PDVs), in order. */
  readonly sent: PresentationDataValue[][] = [];
  private readonly inbox: PresentationDataValue[][] = [];
  private delivering = false;
  abortedWith: { source?: number; reason?: number } | undefined;
  recordSent = true;

  constructor(
    readonly side: 'acceptor' | 'requestor',
    readonly negotiated: NegotiatedAssociation,
  ) {
    super();
  }

  async sendPData(pdvs: readonly PresentationDataValue[]): Promise<void> {
    if (this.ended) throw new Error('memory association: not established');
    const length = pdvs.reduce((n, p) => n + 6 + p.data.length, 0);
    const max = this.negotiated.peerMaxPduLength;
    if (max !== 0 && length > max) throw new Error(`memory association: PDU of ${length} > peer max ${max}`);
    // Copy: the sender may reuse its buffers.
    const copy = pdvs.map((p) => ({ ...p, data: Buffer.from(p.data) }));
    if (this.recordSent) this.sent.push(copy);
    this.peer.inbox.push(copy);
    this.peer.schedule();
    // Let the event loop turn, as a socket write would; and, like TCP, hold the writer back while the
    // receiver is not reading (its inbox stands for the socket buffers).
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.peer.inbox.length > MemoryAssociation.SOCKET_BUFFER_PDUS && !this.ended && !this.peer.ended) {
      await new Promise<void>((resolve) => this.peer.drainWaiters.push(resolve));
    }
  }

  async sendPDataEach(pdvs: readonly PresentationDataValue[]): Promise<void> {
    for (const pdv of pdvs) await this.sendPData([pdv]);
  }

  static SOCKET_BUFFER_PDUS = 16;
  private readonly drainWaiters: (() => void)[] = [];

  private schedule(): void {
    if (this.delivering) return;
    this.delivering = true;
    setImmediate(() => {
      this.delivering = false;
      while (!this.paused && !this.ended && this.inbox.length > 0) {
        this.emit('pdata', this.inbox.shift() as PresentationDataValue[]);
      }
      if (this.inbox.length <= MemoryAssociation.SOCKET_BUFFER_PDUS || this.ended) {
        for (const w of this.drainWaiters.splice(0)) w();
      }
    });
  }

  pauseInbound(): void {
    this.paused = true;
  }

  resumeInbound(): void {
    this.paused = false;
    this.schedule();
  }

  async release(): Promise<void> {
    this.finish({ reason: 'released' });
    this.peer.finish({ reason: 'released' });
  }

  abort(source = 0, reason = 0): void {
    if (this.ended) return;
    this.abortedWith = { source, reason };
    this.finish({ reason: 'aborted-by-us', abortSource: source, abortReason: reason });
    this.peer.finish({ reason: 'aborted-by-peer', abortSource: source, abortReason: reason });
  }

  /** Inject PDVs as if the peer had sent them (for protocol-error tests). */
  inject(pdvs: PresentationDataValue[]): void {
    this.inbox.push(pdvs);
    this.schedule();
  }

  private finish(end: AssociationEnd): void {
    if (this.ended) return;
    this.ended = true;
    for (const w of this.drainWaiters.splice(0)) w();
    this.emit('end', end);
  }
}

function negotiated(options: MemoryPairOptions, peerMax: number, localMax: number): NegotiatedAssociation {
  const contexts = new Map<number, NegotiatedPresentationContext>(
    options.contexts.map((c) => [
      c.id,
      {
        id: c.id,
        abstractSyntax: c.abstractSyntax,
        transferSyntax: c.transferSyntax,
        result: c.result ?? 0,
        requestorIsScu: c.requestorIsScu ?? true,
        requestorIsScp: c.requestorIsScp ?? false,
      },
    ]),
  );
  return {
    callingAeTitle: 'SCU',
    calledAeTitle: 'SCP',
    contexts,
    peerMaxPduLength: peerMax,
    localMaxPduLength: localMax,
    maxOperationsInvoked: options.maxOperationsInvoked ?? 1,
    maxOperationsPerformed: options.maxOperationsPerformed ?? 1,
    peerImplementationClassUid: '1.2.3',
    extendedNegotiation: new Map(),
  };
}

/** A connected requestor/acceptor pair. */
export function memoryAssociationPair(options: MemoryPairOptions): {
  requestor: MemoryAssociation;
  acceptor: MemoryAssociation;
} {
  const acceptorMax = options.acceptorMaxPdu ?? 16384;
  const requestorMax = options.requestorMaxPdu ?? 16384;
  const requestor = new MemoryAssociation('requestor', negotiated(options, acceptorMax, requestorMax));
  const acceptor = new MemoryAssociation('acceptor', negotiated(options, requestorMax, acceptorMax));
  requestor.recordSent = acceptor.recordSent = options.recordSent ?? true;
  requestor.peer = acceptor;
  acceptor.peer = requestor;
  return { requestor, acceptor };
}

/** Poll a condition until it holds or the deadline passes (tests never sleep to wait). */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
