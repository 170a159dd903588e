/**
 * C-MOVE: the request goes to the retrieve service (`Retrieve.Move`, server streaming), which opens its
 * own association to the destination; each count it streams becomes a Pending response, its final
 * message the final response. A C-CANCEL takes effect after the object in flight: the next count that
 * shows it finished is answered FE00, and the call is cancelled so no further object goes out.
 */
import type { CMoveHandler, RetrieveResult, SubOperationCounts } from '@dicomesh/dimse';
import { Metadata, MoveRequest, type MoveResponse, type RetrieveClient, toRpcError } from '@dicomesh/rpc';
import { DimseCommand, endDimseSpan } from '@dicomesh/telemetry';
import { context, trace } from '@opentelemetry/api';
import type { SpanScopeDeps } from './dimse-span-scope.js';
import { backendFailure } from './dimse-status.js';
import {
  CANCEL,
  countsOf,
  finishedOf,
  resultOf,
  retrieveLevel,
  retrieveQuery,
  startRetrieveSpan,
  UNABLE_TO_PERFORM_SUBOPERATIONS,
} from './retrieve-request.js';

/** What the handler needs of the backends: the retrieve client. */
export interface RetrieveBackend {
  readonly retrieve: RetrieveClient;
}

export function moveHandler(backends: RetrieveBackend, deps: SpanScopeDeps): CMoveHandler {
  return async function* move(rq, ctx): AsyncGenerator<SubOperationCounts, RetrieveResult> {
    const level = retrieveLevel(rq.identifier, rq.transferSyntaxUid);
    const span = startRetrieveSpan(deps, DimseCommand.CMove, rq, ctx, level, rq.moveDestination);
    const stopTimer = deps.metrics.dimseDuration.startTimer({ command: DimseCommand.CMove });
    const request = MoveRequest.fromPartial({
      query: retrieveQuery(rq, ctx, level),
      moveDestination: rq.moveDestination,
    });
    // Started with the DIMSE span active: the retrieve service's span is its child.
    const call = context.with(trace.setSpan(context.active(), span), () =>
      backends.retrieve.move(request, new Metadata()),
    );
    let counts: SubOperationCounts = { remaining: 0, completed: 0, failed: 0, warning: 0 };
    let finishedAtCancel: number | undefined;
    let result: RetrieveResult | undefined;
    try {
      for await (const message of call as AsyncIterable<MoveResponse>) {
        const part = message.part;
        if (part?.$case === 'final') {
          result = resultOf(part.value);
          break;
        }
        if (part?.$case !== 'progress') continue;
        const before = finishedOf(counts);
        counts = countsOf(part.value);
        if (ctx.signal.aborted) {
          // C-CANCEL: answer once the object that was in flight has finished.
          finishedAtCancel ??= before;
          if (finishedOf(counts) > finishedAtCancel || counts.remaining === 0) break;
          continue;
        }
        yield counts;
      }
      if (ctx.signal.aborted && result === undefined) result = { status: CANCEL, counts };
      result ??= {
        status: UNABLE_TO_PERFORM_SUBOPERATIONS,
        errorComment: 'retrieve service sent no final status',
      };
    } catch (error) {
      if (ctx.signal.aborted) {
        result = { status: CANCEL, counts };
      } else {
        ctx.logger.warn('retrieve backend failed', { messageId: rq.messageId, error: String(error) });
        result = {
          ...backendFailure('retrieve', toRpcError(error, 'Retrieve/Move')),
          status: UNABLE_TO_PERFORM_SUBOPERATIONS,
          counts,
        };
      }
    } finally {
      call.cancel();
      stopTimer();
      const status = result?.status ?? CANCEL;
      deps.metrics.dimseRequests.inc({
        command: DimseCommand.CMove,
        status: status.toString(16).padStart(4, '0'),
      });
      endDimseSpan(span, status, { ...counts, ...result?.counts });
    }
    return result;
  };
}
