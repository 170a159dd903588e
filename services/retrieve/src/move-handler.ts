/**
 * `dicomesh.v1.Retrieve/Move`: resolves the identifier to instances, looks the destination up (A801 when
 * unknown), opens an association to it and sends one C-STORE sub-operation per instance, streaming the
 * counts after each (paced in a large move: ProgressPace) and at least every second. A destination that is
 * down, refuses, or dies on the way fails the sub-operations left (with the failed list), never hangs. A RetrieveCancel (C-CANCEL) ends
 * the move after the object in flight with FE00 and the counts; a cancelled call just stops there.
 */
import {
  type MoveHeader,
  type MoveRequest,
  type MoveResponse,
  type RetrieveFinal,
  RpcError,
  type ServerDuplexStream,
} from '@dicomesh/rpc';
import type { Logger } from '@dicomesh/telemetry';
import { context, type Tracer, trace } from '@opentelemetry/api';
import { CallInbox, type InboxMessage } from './call-inbox.js';
import { DestinationAssociation } from './destination-association.js';
import { RetrieveFailedError } from './errors.js';
import { ProgressPace, startTicker, writeMessage } from './progress-stream.js';
import { upcomingAfter } from './read-ahead.js';
import { resolveInstances } from './resolve-instances.js';
import { modelOf, parseRetrieveKeys } from './retrieve-keys.js';
import type { RetrieveServiceOptions } from './retrieve-options.js';
import { finalOfError, RetrieveCommand, recordOutcome } from './retrieve-outcome.js';
import { RetrieveStatus } from './retrieve-status.js';
import { epochMs, SubOperationSpans } from './sub-operation-spans.js';
import { SubOperationTally } from './sub-operation-tally.js';
import type { SyncReadGate } from './sync-read-gate.js';

function classifyMove(message: MoveRequest): InboxMessage<MoveHeader> | undefined {
  const part = message.part;
  if (part?.$case === 'header') return { kind: 'header', header: part.value };
  if (part?.$case === 'cancel') return { kind: 'cancel' };
  return undefined;
}

export function moveHandler(
  options: RetrieveServiceOptions,
  tracer: Tracer,
  logger: Logger,
  syncReads?: SyncReadGate,
) {
  return async function move(call: ServerDuplexStream<MoveRequest, MoveResponse>) {
    const controller = new AbortController();
    const onCancel = () => controller.abort();
    call.on('cancelled', onCancel);
    if (call.cancelled) controller.abort();
    const inbox = new CallInbox<MoveRequest, MoveHeader>(call, classifyMove);
    const span = trace.getActiveSpan();
    const request = await inbox.header;
    if (request === undefined) throw RpcError.of('invalid', 'Retrieve.Move: no header');
    const query = request.query;
    const destinationTitle = request.moveDestination.trim();
    span?.setAttribute('dicom.move_destination', destinationTitle);
    let level = query?.queryRetrieveLevel || 'unknown';
    const send = (message: MoveResponse) => writeMessage(call, message, controller.signal);
    const finish = async (final: RetrieveFinal) => {
      recordOutcome(
        {
          command: RetrieveCommand.Move,
          context: query?.context,
          level,
          moveDestination: destinationTitle,
          final,
        },
        span,
        logger,
        options.publisher,
      );
      await send({ part: { $case: 'final', value: final } });
    };
    try {
      if (query === undefined) throw new RetrieveFailedError(RetrieveStatus.UnableToProcess, 'no query');
      const keys = parseRetrieveKeys(
        query.identifier,
        query.transferSyntaxUid,
        modelOf(query.sopClassUid, query.informationModel),
      );
      level = keys.level;
      span?.setAttribute('dicom.query_level', level);
      const destination = options.destinations.lookup(destinationTitle);
      if (destination === undefined) {
        throw new RetrieveFailedError(
          RetrieveStatus.MoveDestinationUnknown,
          `move destination ${destinationTitle} unknown`,
        );
      }
      const instances = await resolveInstances(options.sql, keys);
      const tally = new SubOperationTally(instances.length);
      if (instances.length === 0) {
        await finish(tally.final(false));
        return;
      }
      const callingAeTitle = options.aeTitle ?? query.context?.calledAeTitle ?? 'DICOMESH';
      let association: DestinationAssociation;
      try {
        association = await DestinationAssociation.open({
          destination: { aeTitle: destinationTitle, host: destination.host, port: destination.port },
          callingAeTitle,
          instances,
          blobStore: options.blobStore,
          timeoutMs: options.subOperationTimeoutMs,
          tls: destination.tls ? await (options.destinationTls?.() ?? {}) : undefined,
          syncReads,
        });
      } catch (error) {
        const why = (error as Error).message;
        logger.warn('C-MOVE destination not reachable', { destination: destinationTitle, error: why });
        for (const instance of instances)
          tally.record(instance.sopInstanceUid, RetrieveStatus.SubOperationNotSent);
        await finish(tally.final(false, `destination ${destinationTitle}: ${why}`));
        return;
      }
      const stopTicker = startTicker(() => {
        void send({ part: { $case: 'progress', value: tally.counts() } });
      });
      let lastError = '';
      const pace = new ProgressPace(instances.length);
      const moveOriginator = {
        aeTitle: query.context?.callingAeTitle ?? '',
        messageId: query.context?.messageId ?? 0,
      };
      const tracing = options.subOperationSpans !== false;
      const spans = new SubOperationSpans(tracing ? tracer : undefined, context.active(), {
        associationId: association.associationId,
        callingAe: callingAeTitle,
        calledAe: destinationTitle,
        messageId: moveOriginator.messageId,
      });
      // The spans of the sub-operations done so far, made while the next object is with the destination.
      const afterSent = tracing ? { onSent: () => setImmediate(() => spans.flush()) } : {};
      try {
        // The syntax each object goes in (undefined: no accepted context can carry it, it is not sent).
        const plan = instances.map((instance) => ({
          instance,
          transferSyntaxUid: association.syntaxFor(instance),
        }));
        for (const [index, { instance, transferSyntaxUid: syntax }] of plan.entries()) {
          if (inbox.cancelled || controller.signal.aborted) break;
          let status: number = RetrieveStatus.SubOperationNotSent;
          if (syntax === undefined) {
            lastError = `no accepted context for ${instance.sopClassUid}`;
          } else {
            const startTime = epochMs();
            try {
              status = await association.store(instance, syntax, {
                moveOriginator,
                upcoming: upcomingAfter(plan, index),
                ...afterSent,
              });
            } catch (error) {
              lastError = (error as Error).message;
              logger.warn('C-MOVE sub-operation failed', { destination: destinationTitle, error: lastError });
            }
            spans.record(instance.sopClassUid, syntax, startTime, status);
          }
          tally.record(instance.sopInstanceUid, status);
          if (pace.due()) await send({ part: { $case: 'progress', value: tally.counts() } });
        }
      } finally {
        stopTicker();
        spans.flush();
        await association.close();
      }
      if (controller.signal.aborted) throw RpcError.of('cancelled', 'Retrieve.Move cancelled by the caller');
      await finish(tally.final(inbox.cancelled, lastError));
    } catch (error) {
      if (controller.signal.aborted) {
        logger.info('C-MOVE cancelled', { level, destination: destinationTitle });
        throw RpcError.of('cancelled', 'Retrieve.Move cancelled by the caller', error);
      }
      const final = finalOfError(error);
      if (final === undefined) {
        logger.error('C-MOVE failed', {
          level,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
      await finish(final);
    } finally {
      call.off('cancelled', onCancel);
    }
  };
}
