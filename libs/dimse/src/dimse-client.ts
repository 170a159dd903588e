/**
 * The SCU side: C-ECHO, C-STORE, C-FIND, C-MOVE and C-GET over one association, with C-CANCEL for the
 * last three. C-GET sub-operations (C-STORE requests from the peer on the same association) go to the
 * `onStore` callback of the C-GET under way.
 */
import { decodeIdentifier } from '@dicomesh/dicom';
import type { Association } from '@dicomesh/dicom-ul';
import { CommandField, Priority } from './command-field.js';
import { channelFor, DimseChannel, type IncomingResponse } from './dimse-channel.js';
import type { DimseLogger } from './dimse-logger.js';
import { createDimseScp } from './dimse-scp.js';
import { DimseStatusError } from './errors.js';
import type { DataSetSource } from './message-fragmenter.js';
import type { CStoreHandler, DimseResult, SubOperationCounts } from './scp-handlers.js';
import { QueryRetrieveModel, VerificationSopClass } from './sop-classes.js';
import { isPending } from './status.js';

export interface DimseClientOptions {
  readonly logger?: DimseLogger;
}

export interface StoreOptions {
  readonly priority?: number;
  /** Set when storing as a C-MOVE sub-operation. */
  readonly moveOriginator?: { readonly aeTitle: string; readonly messageId: number };
  /**
   * Called once the request and its data set are written to the connection, or could not be (the call then
   * fails): from then on the data set's buffers are the caller's again, to reuse for the next object.
   */
  readonly onSent?: () => void;
}

/** A final response: status and its details. */
export interface DimseResponse {
  readonly status: number;
  readonly errorComment?: string;
  readonly offendingElement?: readonly number[];
}

export interface FindResponse {
  readonly status: number;
  /** The match, encoded in `transferSyntaxUid` (pending responses only). */
  readonly identifier?: Buffer;
}

/** A C-FIND under way: iterate the matches; `result` is the final response. */
export interface FindOperation extends AsyncIterable<FindResponse> {
  readonly messageId: number;
  readonly transferSyntaxUid: string;
  /** Send C-CANCEL-RQ; the matches end and `result` becomes 0xFE00 (when the peer honours it). */
  cancel(): Promise<void>;
  readonly result: Promise<DimseResponse>;
}

export interface RetrieveResponse extends DimseResponse {
  readonly counts: Partial<SubOperationCounts>;
  readonly failedSopInstanceUids: readonly string[];
}

/** A C-MOVE or C-GET under way: iterate progress (pending responses); `result` is the final response. */
export interface RetrieveOperation extends AsyncIterable<Partial<SubOperationCounts>> {
  readonly messageId: number;
  cancel(): Promise<void>;
  readonly result: Promise<RetrieveResponse>;
}

export type ModelOrSopClass = QueryRetrieveModel | (string & {});

function sopClassOf(model: ModelOrSopClass, op: 'find' | 'move' | 'get'): string {
  if (model === 'patient') return QueryRetrieveModel.patient[op];
  if (model === 'study') return QueryRetrieveModel.study[op];
  return model;
}

function details(r: IncomingResponse): DimseResponse {
  const m = r.message as { status: number; errorComment?: string; offendingElement?: number[] };
  return {
    status: m.status,
    ...(m.errorComment !== undefined ? { errorComment: m.errorComment } : {}),
    ...(m.offendingElement !== undefined ? { offendingElement: m.offendingElement } : {}),
  };
}

function countsOf(r: IncomingResponse): Partial<SubOperationCounts> {
  const m = r.message as {
    numberOfRemainingSuboperations?: number;
    numberOfCompletedSuboperations?: number;
    numberOfFailedSuboperations?: number;
    numberOfWarningSuboperations?: number;
  };
  return {
    ...(m.numberOfRemainingSuboperations !== undefined
      ? { remaining: m.numberOfRemainingSuboperations }
      : {}),
    ...(m.numberOfCompletedSuboperations !== undefined
      ? { completed: m.numberOfCompletedSuboperations }
      : {}),
    ...(m.numberOfFailedSuboperations !== undefined ? { failed: m.numberOfFailedSuboperations } : {}),
    ...(m.numberOfWarningSuboperations !== undefined ? { warning: m.numberOfWarningSuboperations } : {}),
  };
}

/**
 * The final response of a request that has no pending ones (C-ECHO, C-STORE; pending ones a peer sends
 * anyway are passed over). Read straight from the queue: for a C-STORE sub-operation this sits between
 * the destination's response and the next object, where splitResponses' closures cost a few µs each time.
 */
async function finalResponse(responses: AsyncIterable<IncomingResponse>): Promise<IncomingResponse> {
  const iterator = responses[Symbol.asyncIterator]();
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    if (!isPending((next.value.message as { status: number }).status)) return next.value;
  }
  throw new Error('DIMSE: responses ended without a final one');
}

/**
 * Split a stream of responses into an iterable of the pending ones and a promise of the final one. The
 * pending ones are buffered until read, so `result` settles even if nobody iterates.
 */
function splitResponses<T>(
  responses: AsyncIterable<IncomingResponse>,
  pendingValue: (r: IncomingResponse) => T,
): { pending: AsyncIterable<T>; final: Promise<IncomingResponse> } {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const final = (async () => {
    try {
      for await (const r of responses) {
        if (isPending((r.message as { status: number }).status)) {
          items.push(pendingValue(r));
          wake?.();
          continue;
        }
        return r;
      }
      throw new Error('DIMSE: responses ended without a final one');
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      done = true;
      wake?.();
    }
  })();
  final.catch(() => {});
  const pending: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length > 0) {
          yield items.shift() as T;
          continue;
        }
        if (done) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
  return { pending, final };
}

export class DimseClient {
  readonly channel: DimseChannel;
  private getStore: CStoreHandler | undefined;

  constructor(target: Association | DimseChannel, options: DimseClientOptions = {}) {
    this.channel = target instanceof DimseChannel ? target : channelFor(target, options);
    // C-STORE requests on our association are C-GET sub-operations: hand them to the C-GET under way.
    createDimseScp(this.channel, {
      handlers: {
        cStore: (rq, ctx) => {
          if (!this.getStore) {
            rq.dataset.resume();
            return Promise.resolve({ status: 0xa702, errorComment: 'no C-GET under way' });
          }
          return this.getStore(rq, ctx);
        },
      },
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  get association(): Association {
    return this.channel.association;
  }

  /** C-ECHO: resolves with the response status. */
  async echo(): Promise<number> {
    const context = this.channel.contextFor(VerificationSopClass);
    const { responses } = await this.channel.invoke(context.id, {
      commandField: CommandField.CEchoRq,
      affectedSopClassUid: VerificationSopClass,
    });
    return details(await finalResponse(responses)).status;
  }

  /** C-STORE of one instance in the given transfer syntax (a context must have accepted it). */
  async store(
    sopClassUid: string,
    sopInstanceUid: string,
    transferSyntaxUid: string,
    dataset: DataSetSource,
    options: StoreOptions = {},
  ): Promise<DimseResponse> {
    let invoked: Awaited<ReturnType<DimseChannel['invoke']>>;
    try {
      const context = this.channel.contextFor(sopClassUid, transferSyntaxUid);
      invoked = await this.channel.invoke(
        context.id,
        {
          commandField: CommandField.CStoreRq,
          affectedSopClassUid: sopClassUid,
          affectedSopInstanceUid: sopInstanceUid,
          priority: options.priority ?? Priority.Medium,
          ...(options.moveOriginator
            ? {
                moveOriginatorAeTitle: options.moveOriginator.aeTitle,
                moveOriginatorMessageId: options.moveOriginator.messageId,
              }
            : {}),
        },
        dataset,
      );
    } finally {
      options.onSent?.(); // invoke returns once the message is written (or its sending failed)
    }
    return details(await finalResponse(invoked.responses));
  }

  /** C-FIND. The identifier must be encoded in the transfer syntax of the chosen context (see `transferSyntaxUid`). */
  async find(
    model: ModelOrSopClass,
    identifier: Buffer | ((transferSyntaxUid: string) => Buffer),
    options: { priority?: number; transferSyntaxUid?: string } = {},
  ): Promise<FindOperation> {
    const sopClass = sopClassOf(model, 'find');
    const context = this.channel.contextFor(sopClass, options.transferSyntaxUid);
    const bytes = typeof identifier === 'function' ? identifier(context.transferSyntax) : identifier;
    const { messageId, responses } = await this.channel.invoke(
      context.id,
      { commandField: CommandField.CFindRq, affectedSopClassUid: sopClass, priority: options.priority ?? 0 },
      bytes,
    );
    const { pending, final } = splitResponses(responses, (r) => ({
      status: (r.message as { status: number }).status,
      ...(r.dataset ? { identifier: r.dataset } : {}),
    }));
    return {
      messageId,
      transferSyntaxUid: context.transferSyntax,
      cancel: () => this.channel.cancel(context.id, messageId),
      result: final.then(details),
      [Symbol.asyncIterator]: () => pending[Symbol.asyncIterator](),
    };
  }

  /** C-MOVE to a destination AE title; progress comes as pending responses. */
  async move(
    model: ModelOrSopClass,
    moveDestination: string,
    identifier: Buffer | ((transferSyntaxUid: string) => Buffer),
    options: { priority?: number; transferSyntaxUid?: string } = {},
  ): Promise<RetrieveOperation> {
    return this.retrieve(sopClassOf(model, 'move'), identifier, options, moveDestination);
  }

  /**
   * C-GET: the peer sends the instances back as C-STORE sub-operations on this association, which go to
   * `onStore` (the association must have accepted the SCP role for their storage SOP classes). One C-GET
   * at a time per client.
   */
  async get(
    model: ModelOrSopClass,
    identifier: Buffer | ((transferSyntaxUid: string) => Buffer),
    onStore: CStoreHandler,
    options: { priority?: number; transferSyntaxUid?: string } = {},
  ): Promise<RetrieveOperation> {
    if (this.getStore) throw new Error('DIMSE: a C-GET is already under way on this client');
    this.getStore = onStore;
    try {
      const op = await this.retrieve(sopClassOf(model, 'get'), identifier, options);
      const release = () => {
        this.getStore = undefined;
      };
      op.result.then(release, release);
      return op;
    } catch (error) {
      this.getStore = undefined;
      throw error;
    }
  }

  private async retrieve(
    sopClass: string,
    identifier: Buffer | ((transferSyntaxUid: string) => Buffer),
    options: { priority?: number; transferSyntaxUid?: string },
    moveDestination?: string,
  ): Promise<RetrieveOperation> {
    const context = this.channel.contextFor(sopClass, options.transferSyntaxUid);
    const bytes = typeof identifier === 'function' ? identifier(context.transferSyntax) : identifier;
    const { messageId, responses } = await this.channel.invoke(
      context.id,
      {
        commandField: moveDestination === undefined ? CommandField.CGetRq : CommandField.CMoveRq,
        affectedSopClassUid: sopClass,
        priority: options.priority ?? 0,
        ...(moveDestination !== undefined ? { moveDestination } : {}),
      },
      bytes,
    );
    const { pending, final } = splitResponses(responses, countsOf);
    const result = final.then((r): RetrieveResponse => {
      let failedSopInstanceUids: string[] = [];
      if (r.dataset && r.dataset.length > 0) {
        try {
          const list = decodeIdentifier(r.dataset, context.transferSyntax).FailedSOPInstanceUIDList;
          failedSopInstanceUids = (Array.isArray(list) ? list : typeof list === 'string' ? [list] : [])
            .map(String)
            .filter((uid) => uid.length > 0);
        } catch {
          // an unreadable identifier does not hide the status
        }
      }
      return { ...details(r), counts: countsOf(r), failedSopInstanceUids };
    });
    result.catch(() => {});
    return {
      messageId,
      cancel: () => this.channel.cancel(context.id, messageId),
      result,
      [Symbol.asyncIterator]: () => pending[Symbol.asyncIterator](),
    };
  }
}

/** Throw DimseStatusError unless the status is Success or Warning. */
export function expectSuccess(command: string, response: DimseResponse): DimseResponse {
  const s = response.status;
  if (s === 0 || (s & 0xf000) === 0xb000 || s === 0x0001 || s === 0x0107 || s === 0x0116) return response;
  throw new DimseStatusError(command, s, response.errorComment);
}

export type { DimseResult };
