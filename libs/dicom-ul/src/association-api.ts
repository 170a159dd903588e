/**
 * The public face of an established association, as the DIMSE layer sees it (PS3.8 service primitives).
 * The DIMSE layer never sees PDUs: it sends and receives presentation data values, asks for release or
 * abort, and is told when the association ends. Acceptor and requestor both yield this interface.
 */
import type { EventEmitter } from 'node:events';

/** One presentation data value item of a P-DATA-TF PDU (PS3.8 9.3.5.1 and Annex E). */
export interface PresentationDataValue {
  /** Odd presentation context ID, 1..255. */
  readonly contextId: number;
  /** Message control header bit 0: command (true) or data set (false) fragment. */
  readonly isCommand: boolean;
  /** Message control header bit 1: last fragment of the command or data set. */
  readonly isLast: boolean;
  /** The fragment bytes, without the 6-byte item header. */
  readonly data: Buffer;
  /**
   * Received only: when set, the fragment as it arrived, views into the transport's reads in order (a large
   * fragment spread over several reads); `data` then joins them on first use. Read these to avoid that copy.
   */
  readonly slices?: readonly Buffer[];
}

/** Presentation context result/reason (PS3.8 Table 9-18). */
export const PresentationContextResult = {
  Acceptance: 0,
  UserRejection: 1,
  NoReason: 2,
  AbstractSyntaxNotSupported: 3,
  TransferSyntaxesNotSupported: 4,
} as const;
export type PresentationContextResult =
  (typeof PresentationContextResult)[keyof typeof PresentationContextResult];

/** One presentation context as negotiated: what was proposed and what was answered. */
export interface NegotiatedPresentationContext {
  readonly id: number;
  readonly abstractSyntax: string;
  readonly result: PresentationContextResult;
  /** The transfer syntax accepted for this context; meaningful only when result is Acceptance. */
  readonly transferSyntax: string;
  /** Role of the association requestor for this abstract syntax, after SCP/SCU role selection. */
  readonly requestorIsScu: boolean;
  readonly requestorIsScp: boolean;
}

/** What was agreed in A-ASSOCIATE-RQ/AC. */
export interface NegotiatedAssociation {
  readonly callingAeTitle: string;
  readonly calledAeTitle: string;
  /** Every proposed context by ID, with its result. */
  readonly contexts: ReadonlyMap<number, NegotiatedPresentationContext>;
  /** Largest P-DATA-TF PDU (its variable field) the peer accepts; 0 means no limit. */
  readonly peerMaxPduLength: number;
  /** Largest P-DATA-TF PDU we accept; the decoder enforces it. */
  readonly localMaxPduLength: number;
  /** Asynchronous operations window as agreed (1/1 when not negotiated). */
  readonly maxOperationsInvoked: number;
  readonly maxOperationsPerformed: number;
  readonly peerImplementationClassUid: string;
  readonly peerImplementationVersionName?: string;
  /** SOP class extended negotiation: SOP class UID -> service-class application information (as agreed). */
  readonly extendedNegotiation: ReadonlyMap<string, Buffer>;
  /** User identity from the requestor, if any (PS3.7 D.3.3.7). */
  readonly userIdentity?: {
    readonly type: number;
    readonly primaryField: Buffer;
    readonly secondaryField: Buffer;
    readonly positiveResponseRequested: boolean;
  };
}

/** Why an association ended. */
export type AssociationEndReason =
  | 'released'
  | 'aborted-by-us'
  | 'aborted-by-peer'
  | 'transport-closed'
  | 'artim-expired'
  | 'protocol-error';

export interface AssociationEnd {
  readonly reason: AssociationEndReason;
  /** A-ABORT source and reason when an abort was sent or received (PS3.8 Table 9-26). */
  readonly abortSource?: number;
  readonly abortReason?: number;
  readonly error?: Error;
}

/** Events of an established association. */
export interface AssociationEvents {
  /** A P-DATA indication: the PDVs of one P-DATA-TF PDU, in order. */
  pdata: [pdvs: readonly PresentationDataValue[]];
  /** The peer asked for release (A-RELEASE indication); the association answers it itself. */
  'release-requested': [];
  /** The association is over; emitted exactly once, after which nothing else is emitted. */
  end: [end: AssociationEnd];
}

/** An established association: either side, acceptor or requestor. */
export interface Association extends EventEmitter<AssociationEvents> {
  /** Unique ID for logs, traces and events. */
  readonly id: string;
  readonly side: 'acceptor' | 'requestor';
  readonly negotiated: NegotiatedAssociation;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True once 'end' has been emitted. */
  readonly ended: boolean;
  /**
   * Send one P-DATA-TF PDU holding these PDVs. The caller keeps the PDU within peerMaxPduLength.
   * Resolves when the socket has taken the bytes (waits for 'drain' under backpressure); rejects if the
   * association is not in Sta6 (or Sta7/8 where PS3.8 allows P-DATA).
   */
  sendPData(pdvs: readonly PresentationDataValue[]): Promise<void>;
  /**
   * Send each PDV as its own P-DATA-TF PDU, all in one write to the transport (a message's fragments go out
   * in one system call instead of one per PDU). Each PDU is checked and sent as `sendPData` would; resolves
   * once every byte is written to the transport (the caller may then reuse the PDVs' buffers), rejects with
   * the first error.
   */
  sendPDataEach(pdvs: readonly PresentationDataValue[]): Promise<void>;
  /** A-RELEASE request; resolves when the release completes (A-RELEASE-RP), including release collisions. */
  release(): Promise<void>;
  /** A-ABORT (source 0, service user; or 2, service provider, with a reason). Never throws. */
  abort(source?: number, reason?: number): void;
  /** Stop reading the socket (inbound backpressure) until resume(). */
  pauseInbound(): void;
  resumeInbound(): void;
}
