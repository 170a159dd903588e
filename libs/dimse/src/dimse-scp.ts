/**
 * The SCP dispatcher: incoming requests -> typed handlers -> responses (PS3.4 service class behaviour).
 * An unhandled command is answered 0x0211 (Unrecognized operation); a handler that throws is answered
 * with a failure status and the error as comment, and the association goes on.
 */
import type { Readable } from 'node:stream';
import { encodeIdentifier } from '@dicomesh/dicom';
import type { Association } from '@dicomesh/dicom-ul';
import { CommandField, commandName } from './command-field.js';
import {
  channelFor,
  collectDataSet,
  type DimseChannel,
  type IncomingRequest,
  type OutgoingMessage,
} from './dimse-channel.js';
import type { DimseLogger } from './dimse-logger.js';
import type { DataSetSource } from './message-fragmenter.js';
import type { CFindRq, CGetRq, CMoveRq, CStoreRq, DimseMessage } from './messages.js';
import type {
  CGetContext,
  DimseHandlers,
  DimseResult,
  DimseScpOptions,
  FinalResult,
  NHandler,
  RetrieveResult,
  ScpContext,
  SubOperationCounts,
} from './scp-handlers.js';
import { formatStatus, isPending, Status, StatusCategory, statusCategory } from './status.js';

/** LO values are at most 64 characters. */
const ERROR_COMMENT_MAX = 64;

export interface DimseScp {
  readonly channel: DimseChannel;
  readonly association: Association;
}

function errorDetails(result: DimseResult): Partial<OutgoingMessage> {
  return {
    ...(result.errorComment ? { errorComment: result.errorComment.slice(0, ERROR_COMMENT_MAX) } : {}),
    ...(result.offendingElement ? { offendingElement: [...result.offendingElement] } : {}),
    ...(result.errorId !== undefined ? { errorId: result.errorId } : {}),
  };
}

function failure(status: number, error: unknown): DimseResult {
  return { status, errorComment: error instanceof Error ? error.message : String(error) };
}

/** Build an SCP on an association (or an existing channel) from typed handlers. */
export function createDimseScp(target: Association | DimseChannel, options: DimseScpOptions): DimseScp {
  const channel =
    'association' in target && 'invoke' in target ? target : channelFor(target as Association, options);
  const logger: DimseLogger = options.logger ?? channel.logger;
  const handlers = options.handlers;
  channel.setRequestHandler((rq) => dispatch(channel, handlers, logger, rq));
  return { channel, association: channel.association };
}

async function dispatch(
  channel: DimseChannel,
  handlers: DimseHandlers,
  logger: DimseLogger,
  rq: IncomingRequest,
): Promise<void> {
  const m = rq.message;
  const ctx: ScpContext = {
    association: channel.association,
    signal: rq.signal,
    contextId: rq.contextId,
    transferSyntaxUid: rq.transferSyntaxUid,
    logger,
  };
  const respond = (message: OutgoingMessage, dataset?: DataSetSource) =>
    channel.send(rq.contextId, message, dataset);
  const responseField = m.commandField | 0x8000;
  const messageIdBeingRespondedTo = (m as { messageId: number }).messageId;
  const base = { commandField: responseField, messageIdBeingRespondedTo };
  // A success is a debug line (one per C-STORE was about 7% of the gateway's CPU for small objects; metrics
  // and traces count them); a warning or failure is an info line.
  const log = (result: { status: number }) => {
    const category = statusCategory(result.status);
    const write = category === StatusCategory.Success ? logger.debug : logger.info;
    write.call(logger, 'dimse request answered', {
      association: channel.association.id,
      command: commandName(responseField),
      messageId: messageIdBeingRespondedTo,
      status: formatStatus(result.status),
      category,
    });
  };

  switch (m.commandField) {
    case CommandField.CEchoRq: {
      const result = handlers.cEcho
        ? await Promise.resolve()
            .then(() =>
              handlers.cEcho?.({ messageId: m.messageId, affectedSopClassUid: m.affectedSopClassUid }, ctx),
            )
            .catch((e: unknown) => failure(Status.ProcessingFailure, e))
        : { status: Status.UnrecognizedOperation };
      const r = result ?? { status: Status.Success };
      log(r);
      await respond({
        ...base,
        affectedSopClassUid: m.affectedSopClassUid,
        status: r.status,
        ...errorDetails(r),
      });
      return;
    }
    case CommandField.CStoreRq:
      return handleStore(channel, handlers, ctx, rq, m, respond, base, log);
    case CommandField.CFindRq:
      return handleFind(handlers, ctx, rq, m, respond, base, log);
    case CommandField.CMoveRq:
    case CommandField.CGetRq:
      return handleRetrieve(channel, handlers, ctx, rq, m, respond, base, log);
    default: {
      const nHandler = nHandlerFor(handlers, m);
      return handleN(nHandler, ctx, rq, m, respond, base, log);
    }
  }
}

type Respond = (message: OutgoingMessage, dataset?: DataSetSource) => Promise<void>;
type Base = { commandField: number; messageIdBeingRespondedTo: number };

async function handleStore(
  _channel: DimseChannel,
  handlers: DimseHandlers,
  ctx: ScpContext,
  rq: IncomingRequest,
  m: CStoreRq,
  respond: Respond,
  base: Base,
  log: (r: { status: number }) => void,
): Promise<void> {
  const dataset = rq.dataset as Readable;
  let result: DimseResult;
  if (!handlers.cStore) {
    result = { status: Status.UnrecognizedOperation };
  } else {
    try {
      result = await handlers.cStore(
        {
          messageId: m.messageId,
          affectedSopClassUid: m.affectedSopClassUid,
          affectedSopInstanceUid: m.affectedSopInstanceUid,
          priority: m.priority,
          ...(m.moveOriginatorAeTitle !== undefined
            ? {
                moveOriginator: {
                  aeTitle: m.moveOriginatorAeTitle,
                  messageId: m.moveOriginatorMessageId ?? 0,
                },
              }
            : {}),
          transferSyntaxUid: rq.transferSyntaxUid,
          contextId: rq.contextId,
          dataset,
        },
        ctx,
      );
    } catch (error) {
      result = failure(Status.OutOfResources, error);
    }
  }
  // Whatever the handler did, the rest of the data set must be received before answering.
  if (!dataset.destroyed && !dataset.readableEnded) dataset.resume();
  await rq.datasetReceived;
  log(result);
  await respond({
    ...base,
    affectedSopClassUid: m.affectedSopClassUid,
    affectedSopInstanceUid: m.affectedSopInstanceUid,
    status: result.status,
    ...errorDetails(result),
  });
}

async function handleFind(
  handlers: DimseHandlers,
  ctx: ScpContext,
  rq: IncomingRequest,
  m: CFindRq,
  respond: Respond,
  base: Base,
  log: (r: { status: number }) => void,
): Promise<void> {
  const identifier = await collectDataSet(rq.dataset as Readable);
  const common = { ...base, affectedSopClassUid: m.affectedSopClassUid };
  if (!handlers.cFind) {
    const r = { status: Status.UnrecognizedOperation };
    log(r);
    await respond({ ...common, status: r.status });
    return;
  }
  let result: DimseResult | undefined;
  try {
    const iterator = handlers
      .cFind(
        {
          messageId: m.messageId,
          affectedSopClassUid: m.affectedSopClassUid,
          priority: m.priority,
          identifier,
          transferSyntaxUid: rq.transferSyntaxUid,
          contextId: rq.contextId,
        },
        ctx,
      )
      [Symbol.asyncIterator]();
    for (;;) {
      if (ctx.signal.aborted) {
        await iterator.return?.();
        result = { status: Status.Cancel };
        break;
      }
      const next = await iterator.next();
      if (next.done) {
        result = next.value ?? undefined;
        break;
      }
      if (ctx.signal.aborted) continue;
      await respond({ ...common, status: next.value.status ?? Status.Pending }, next.value.identifier);
    }
  } catch (error) {
    result = ctx.signal.aborted ? { status: Status.Cancel } : failure(Status.OutOfResources, error);
  }
  const final = result ?? { status: ctx.signal.aborted ? Status.Cancel : Status.Success };
  log(final);
  await respond({ ...common, status: final.status, ...errorDetails(final) });
}

/** Counts are US: more than 65535 sub-operations are reported as 65535. */
const us = (n: number | undefined): number => Math.max(0, Math.min(0xffff, Math.trunc(n ?? 0)));

function finalRetrieveStatus(
  result: RetrieveResult | undefined,
  counts: SubOperationCounts,
  cancelled: boolean,
) {
  if (result?.status !== undefined) return result.status;
  if (cancelled) return Status.Cancel;
  if (counts.failed > 0 || counts.warning > 0) return Status.SuboperationsCompleteWithFailures;
  return Status.Success;
}

async function handleRetrieve(
  channel: DimseChannel,
  handlers: DimseHandlers,
  ctx: ScpContext,
  rq: IncomingRequest,
  m: CMoveRq | CGetRq,
  respond: Respond,
  base: Base,
  log: (r: { status: number }) => void,
): Promise<void> {
  const identifier = await collectDataSet(rq.dataset as Readable);
  const common = { ...base, affectedSopClassUid: m.affectedSopClassUid };
  const isMove = m.commandField === CommandField.CMoveRq;
  const request = {
    messageId: m.messageId,
    affectedSopClassUid: m.affectedSopClassUid,
    priority: m.priority,
    identifier,
    transferSyntaxUid: rq.transferSyntaxUid,
    contextId: rq.contextId,
  };
  let iterable: AsyncIterable<SubOperationCounts, FinalResult<RetrieveResult>> | undefined;
  if (isMove && handlers.cMove) {
    iterable = handlers.cMove({ ...request, moveDestination: (m as CMoveRq).moveDestination }, ctx);
  } else if (!isMove && handlers.cGet) {
    const getCtx: CGetContext = {
      ...ctx,
      store: (sopClassUid, sopInstanceUid, transferSyntaxUid, dataset) =>
        storeSubOperation(channel, sopClassUid, sopInstanceUid, transferSyntaxUid, dataset),
    };
    iterable = handlers.cGet(request, getCtx);
  }
  if (!iterable) {
    const r = { status: Status.UnrecognizedOperation };
    log(r);
    await respond({ ...common, status: r.status });
    return;
  }
  let counts: SubOperationCounts = { remaining: 0, completed: 0, failed: 0, warning: 0 };
  let result: RetrieveResult | undefined;
  try {
    const iterator = iterable[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        result = next.value ?? undefined;
        break;
      }
      counts = next.value;
      if (ctx.signal.aborted) {
        await iterator.return?.();
        break;
      }
      await respond({
        ...common,
        status: Status.Pending,
        numberOfRemainingSuboperations: us(counts.remaining),
        numberOfCompletedSuboperations: us(counts.completed),
        numberOfFailedSuboperations: us(counts.failed),
        numberOfWarningSuboperations: us(counts.warning),
      });
    }
  } catch (error) {
    result = failure(Status.OutOfResourcesUnableToPerformSuboperations, error);
  }
  const finalCounts = { ...counts, ...result?.counts };
  const status = finalRetrieveStatus(result, finalCounts, ctx.signal.aborted);
  const failed = result?.failedSopInstanceUids ?? [];
  let identifierOut: Buffer | undefined;
  if (failed.length > 0 && statusCategory(status) !== 'Success') {
    try {
      const bytes = encodeIdentifier({ FailedSOPInstanceUIDList: [...failed] }, rq.transferSyntaxUid);
      identifierOut = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      // e.g. a compressed-only transfer syntax: the counts still tell the story
      ctx.logger.warn('dimse failed SOP instance list not sent', { error: (error as Error).message });
    }
  }
  log({ status });
  await respond(
    {
      ...common,
      status,
      ...(statusCategory(status) === 'Cancel'
        ? { numberOfRemainingSuboperations: us(finalCounts.remaining) }
        : {}),
      numberOfCompletedSuboperations: us(finalCounts.completed),
      numberOfFailedSuboperations: us(finalCounts.failed),
      numberOfWarningSuboperations: us(finalCounts.warning),
      ...(result ? errorDetails({ status, ...result }) : {}),
    },
    identifierOut,
  );
}

/** Send one C-STORE sub-operation of a C-GET on the same association and wait for its status. */
export async function storeSubOperation(
  channel: DimseChannel,
  sopClassUid: string,
  sopInstanceUid: string,
  transferSyntaxUid: string,
  dataset: DataSetSource,
  moveOriginator?: { aeTitle: string; messageId: number },
): Promise<number> {
  const context = channel.contextFor(sopClassUid, transferSyntaxUid);
  const { responses } = await channel.invoke(
    context.id,
    {
      commandField: CommandField.CStoreRq,
      affectedSopClassUid: sopClassUid,
      affectedSopInstanceUid: sopInstanceUid,
      priority: 0,
      ...(moveOriginator
        ? { moveOriginatorAeTitle: moveOriginator.aeTitle, moveOriginatorMessageId: moveOriginator.messageId }
        : {}),
    },
    dataset,
  );
  for await (const r of responses) {
    const status = (r.message as { status: number }).status;
    if (!isPending(status)) return status;
  }
  throw new Error('C-STORE sub-operation: no final response');
}

function nHandlerFor(handlers: DimseHandlers, m: DimseMessage): NHandler<never> | undefined {
  switch (m.commandField) {
    case CommandField.NEventReportRq:
      return handlers.nEventReport as NHandler<never> | undefined;
    case CommandField.NGetRq:
      return handlers.nGet as NHandler<never> | undefined;
    case CommandField.NSetRq:
      return handlers.nSet as NHandler<never> | undefined;
    case CommandField.NActionRq:
      return handlers.nAction as NHandler<never> | undefined;
    case CommandField.NCreateRq:
      return handlers.nCreate as NHandler<never> | undefined;
    case CommandField.NDeleteRq:
      return handlers.nDelete as NHandler<never> | undefined;
    default:
      return undefined;
  }
}

async function handleN(
  handler: NHandler<never> | undefined,
  ctx: ScpContext,
  rq: IncomingRequest,
  m: DimseMessage,
  respond: Respond,
  base: Base,
  log: (r: { status: number }) => void,
): Promise<void> {
  const dataset = rq.dataset ? await collectDataSet(rq.dataset) : undefined;
  const sopClass =
    (m as { affectedSopClassUid?: string }).affectedSopClassUid ??
    (m as { requestedSopClassUid?: string }).requestedSopClassUid;
  const instance =
    (m as { affectedSopInstanceUid?: string }).affectedSopInstanceUid ??
    (m as { requestedSopInstanceUid?: string }).requestedSopInstanceUid;
  let result: { status: number; dataset?: Buffer; affectedSopInstanceUid?: string } & DimseResult;
  if (!handler) {
    result = { status: Status.UnrecognizedOperation };
  } else {
    try {
      result = await handler(
        {
          message: m as never,
          transferSyntaxUid: rq.transferSyntaxUid,
          contextId: rq.contextId,
          ...(dataset ? { dataset } : {}),
        },
        ctx,
      );
    } catch (error) {
      result = failure(Status.ProcessingFailure, error);
    }
  }
  log(result);
  const affectedSopInstanceUid = result.affectedSopInstanceUid ?? instance;
  await respond(
    {
      ...base,
      ...(sopClass ? { affectedSopClassUid: sopClass } : {}),
      ...(affectedSopInstanceUid ? { affectedSopInstanceUid } : {}),
      ...('eventTypeId' in m ? { eventTypeId: m.eventTypeId } : {}),
      ...('actionTypeId' in m ? { actionTypeId: m.actionTypeId } : {}),
      status: result.status,
      ...errorDetails(result),
    },
    result.dataset,
  );
}
