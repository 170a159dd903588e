/**
 * The typed handlers an SCP is built from (`createDimseScp(association, { handlers })`). A handler
 * returns the DIMSE status; the dispatcher turns exceptions into failure statuses and never crashes.
 */
import type { Readable } from 'node:stream';
import type { Association } from '@dicomesh/dicom-ul';
import type { DimseLogger } from './dimse-logger.js';
import type { NActionRq, NCreateRq, NDeleteRq, NEventReportRq, NGetRq, NSetRq } from './messages.js';

/**
 * What a streaming handler returns at its end: a result, or nothing (an async generator that just ends)
 * for the default final status.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a generator without `return` has TReturn void
export type FinalResult<T> = T | undefined | void;

/** What every handler is given besides its request. */
export interface ScpContext {
  readonly association: Association;
  /** Aborted by a C-CANCEL-RQ for this message, or when the association ends. */
  readonly signal: AbortSignal;
  /** Presentation context the request came on, and its transfer syntax (the data set's encoding). */
  readonly contextId: number;
  readonly transferSyntaxUid: string;
  readonly logger: DimseLogger;
}

/** A final response's status and its optional error details (PS3.7 Annex C). */
export interface DimseResult {
  readonly status: number;
  readonly errorComment?: string;
  readonly offendingElement?: readonly number[];
  readonly errorId?: number;
}

export interface CEchoRequest {
  readonly messageId: number;
  readonly affectedSopClassUid: string;
}
export type CEchoHandler = (rq: CEchoRequest, ctx: ScpContext) => Promise<DimseResult> | DimseResult;

export interface CStoreRequest {
  readonly messageId: number;
  readonly affectedSopClassUid: string;
  readonly affectedSopInstanceUid: string;
  readonly priority: number;
  /** Set when this C-STORE is a sub-operation of a C-MOVE. */
  readonly moveOriginator?: { readonly aeTitle: string; readonly messageId: number };
  readonly transferSyntaxUid: string;
  readonly contextId: number;
  /**
   * The data set bytes, in the context's transfer syntax, as they arrive (never buffered whole). The
   * handler must consume it (or destroy it); the response is sent once the handler resolves and the data
   * set has been received completely.
   */
  readonly dataset: Readable;
}
export type CStoreHandler = (rq: CStoreRequest, ctx: ScpContext) => Promise<DimseResult>;

export interface CFindRequest {
  readonly messageId: number;
  readonly affectedSopClassUid: string;
  readonly priority: number;
  /** The identifier data set, encoded in `transferSyntaxUid`. */
  readonly identifier: Buffer;
  readonly transferSyntaxUid: string;
  readonly contextId: number;
}

/** One match: sent as a Pending response (0xFF00, or 0xFF01 when optional keys were not supported). */
export interface CFindMatch {
  readonly identifier: Buffer;
  readonly status?: 0xff00 | 0xff01;
}

/**
 * Yields matches; its return value (an async generator's `return`) is the final result. Returning nothing
 * means Success, or Cancel (0xFE00) when `ctx.signal` was aborted by C-CANCEL. After a C-CANCEL the
 * dispatcher stops pulling matches and answers 0xFE00 itself.
 */
export type CFindHandler = (
  rq: CFindRequest,
  ctx: ScpContext,
) => AsyncIterable<CFindMatch, FinalResult<DimseResult>>;

export interface SubOperationCounts {
  readonly remaining: number;
  readonly completed: number;
  readonly failed: number;
  readonly warning: number;
}

/** Final result of a C-MOVE or C-GET. */
export interface RetrieveResult {
  /** Omitted: 0xFE00 after a C-CANCEL, 0xB000 when any sub-operation failed or warned, else 0x0000. */
  readonly status?: number;
  readonly counts?: Partial<SubOperationCounts>;
  /** Sent in the final response's identifier as Failed SOP Instance UID List (0008,0058). */
  readonly failedSopInstanceUids?: readonly string[];
  readonly errorComment?: string;
  readonly offendingElement?: readonly number[];
}

export interface CMoveRequest {
  readonly messageId: number;
  readonly affectedSopClassUid: string;
  readonly priority: number;
  readonly moveDestination: string;
  readonly identifier: Buffer;
  readonly transferSyntaxUid: string;
  readonly contextId: number;
}

/** Yields progress (each becomes a Pending response); returns the final result. */
export type CMoveHandler = (
  rq: CMoveRequest,
  ctx: ScpContext,
) => AsyncIterable<SubOperationCounts, FinalResult<RetrieveResult>>;

export type CGetRequest = Omit<CMoveRequest, 'moveDestination'>;

export interface CGetContext extends ScpContext {
  /**
   * Send one C-STORE sub-operation back on this association (the requestor must have accepted the SCP
   * role for the SOP class). Resolves with the C-STORE-RSP status; rejects if no context can carry it.
   */
  store(
    sopClassUid: string,
    sopInstanceUid: string,
    transferSyntaxUid: string,
    dataset: Buffer | AsyncIterable<Buffer>,
  ): Promise<number>;
}
export type CGetHandler = (
  rq: CGetRequest,
  ctx: CGetContext,
) => AsyncIterable<SubOperationCounts, FinalResult<RetrieveResult>>;

/** A DIMSE-N request with its data set (when one was sent), buffered: DIMSE-N data sets are small. */
export interface NRequest<M> {
  readonly message: M;
  readonly dataset?: Buffer;
  readonly transferSyntaxUid: string;
  readonly contextId: number;
}
export interface NResult extends DimseResult {
  readonly dataset?: Buffer;
  readonly affectedSopInstanceUid?: string;
}
export type NHandler<M> = (rq: NRequest<M>, ctx: ScpContext) => Promise<NResult>;

export interface DimseHandlers {
  readonly cEcho?: CEchoHandler;
  readonly cStore?: CStoreHandler;
  readonly cFind?: CFindHandler;
  readonly cMove?: CMoveHandler;
  readonly cGet?: CGetHandler;
  readonly nEventReport?: NHandler<NEventReportRq>;
  readonly nGet?: NHandler<NGetRq>;
  readonly nSet?: NHandler<NSetRq>;
  readonly nAction?: NHandler<NActionRq>;
  readonly nCreate?: NHandler<NCreateRq>;
  readonly nDelete?: NHandler<NDeleteRq>;
}

export interface DimseScpOptions {
  readonly handlers: DimseHandlers;
  readonly logger?: DimseLogger;
}
