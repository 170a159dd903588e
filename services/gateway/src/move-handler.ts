/**
 * C-MOVE: the request goes to the retrieve service (`Retrieve.Move`), which opens its own association to
 * the destination; each count it streams becomes a Pending response, its final message the final
 * response. A C-CANCEL is passed on as a RetrieveCancel: the service ends the move after the object in
 * flight and answers FE00 with the counts. The association's end cancels the call.
 */
import type { CMoveHandler, RetrieveResult, SubOperationCounts } from '@dicomesh/dimse';
import { Metadata, type MoveRequest, type MoveResponse, type RetrieveClient } from '@dicomesh/rpc';
import { DimseCommand } from '@dicomesh/telemetry';
import { context, trace } from '@opentelemetry/api';
import type { SpanScopeDeps } from './dimse-span-scope.js';
import {
  countsOf,
  endRetrieve,
  failedRetrieve,
  missingFinal,
  resultOf,
  retrieveLevel,
  retrieveQuery,
  startRetrieveSpan,
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
    // Started with the DIMSE span active: the retrieve service's span is its child.
    const call = context.with(trace.setSpan(context.active(), span), () =>
      backends.retrieve.move(new Metadata()),
    );
    const send = (message: MoveRequest) => {
      if (!call.writableEnded && !call.destroyed) call.write(message);
    };
    send({
      part: {
        $case: 'header',
        value: { query: retrieveQuery(rq, ctx, level), moveDestination: rq.moveDestination },
      },
    });
    // C-CANCEL: the service stops after the object in flight; the association's end: stop at once.
    const onAbort = () => {
      if (ctx.association.ended) call.cancel();
      else send({ part: { $case: 'cancel', value: {} } });
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const onEnd = () => call.cancel();
    ctx.association.once('end', onEnd);

    let counts: SubOperationCounts = { remaining: 0, completed: 0, failed: 0, warning: 0 };
    let result: RetrieveResult | undefined;
    try {
      for await (const message of call as AsyncIterable<MoveResponse>) {
        const part = message.part;
        if (part?.$case === 'final') {
          result = resultOf(part.value);
          break;
        }
        if (part?.$case !== 'progress') continue;
        counts = countsOf(part.value);
        // After a C-CANCEL the dispatcher would end at the next Pending: wait for the service's FE00.
        if (!ctx.signal.aborted) yield counts;
      }
      result ??= missingFinal(ctx.signal.aborted, counts);
    } catch (error) {
      if (!ctx.signal.aborted) {
        ctx.logger.warn('retrieve backend failed', { messageId: rq.messageId, error: String(error) });
      }
      result = failedRetrieve(error, ctx.signal.aborted, counts, 'Retrieve/Move');
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      ctx.association.off('end', onEnd);
      if (!call.writableEnded) call.end();
      if (result === undefined) call.cancel();
      stopTimer();
      endRetrieve(deps, DimseCommand.CMove, span, counts, result);
    }
    return result;
  };
}
