/**
 * C-GET: the request goes to the retrieve service (`Retrieve.Get`, bidirectional) with the storage
 * contexts on which the requestor accepted the SCP role; each instance it streams is sent back as a
 * C-STORE sub-operation on this association, and its status goes back to the service, which keeps the
 * counts. Counts become Pending responses; a C-CANCEL is passed on and the service ends the get after
 * the object in flight with FE00. The service streams the next instance while a sub-operation is in
 * flight; one that comes after a C-CANCEL is not sent (skipped: it stays remaining).
 */
import type { CGetHandler, RetrieveResult, SubOperationCounts } from '@dicomesh/dimse';
import { type GetRequest, type GetResponse, Metadata, StorageContext } from '@dicomesh/rpc';
import { DimseCommand } from '@dicomesh/telemetry';
import { context, trace } from '@opentelemetry/api';
import type { SpanScopeDeps } from './dimse-span-scope.js';
import { InstanceChunks } from './get-sub-operation.js';
import type { RetrieveBackend } from './move-handler.js';
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

/** The C-STORE status we report for a sub-operation we could not send (no context, association gone). */
const NOT_SENT = 0xa702;

export function getHandler(backends: RetrieveBackend, deps: SpanScopeDeps): CGetHandler {
  return async function* get(rq, ctx): AsyncGenerator<SubOperationCounts, RetrieveResult> {
    const level = retrieveLevel(rq.identifier, rq.transferSyntaxUid);
    const span = startRetrieveSpan(deps, DimseCommand.CGet, rq, ctx, level);
    const stopTimer = deps.metrics.dimseDuration.startTimer({ command: DimseCommand.CGet });
    const storageContexts = [...ctx.association.negotiated.contexts.values()]
      .filter((c) => c.result === 0 && c.requestorIsScp)
      .map((c) =>
        StorageContext.fromPartial({ sopClassUid: c.abstractSyntax, transferSyntaxUid: c.transferSyntax }),
      );
    const call = context.with(trace.setSpan(context.active(), span), () =>
      backends.retrieve.get(new Metadata()),
    );
    const send = (message: GetRequest) => {
      if (!call.writableEnded && !call.destroyed) call.write(message);
    };
    send({ part: { $case: 'header', value: { query: retrieveQuery(rq, ctx, level), storageContexts } } });
    // C-CANCEL: the service stops after the object in flight; the association's end: stop at once.
    const onAbort = () => {
      if (ctx.association.ended) call.cancel();
      else send({ part: { $case: 'cancel', value: {} } });
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const onEnd = () => call.cancel();
    ctx.association.once('end', onEnd);

    const messages = (call as AsyncIterable<GetResponse>)[Symbol.asyncIterator]();
    let counts: SubOperationCounts = { remaining: 0, completed: 0, failed: 0, warning: 0 };
    let result: RetrieveResult | undefined;
    try {
      for (;;) {
        const next = await messages.next();
        if (next.done) break;
        const part = next.value.part;
        if (part?.$case === 'final') {
          result = resultOf(part.value);
          break;
        }
        if (part?.$case === 'progress') {
          counts = countsOf(part.value);
          if (!ctx.signal.aborted) yield counts;
          continue;
        }
        if (part?.$case !== 'instance') continue;
        const instance = part.value;
        const chunks = new InstanceChunks(messages);
        if (ctx.signal.aborted) {
          await chunks.drain();
          send({ part: { $case: 'result', value: { status: NOT_SENT, skipped: true } } });
          continue;
        }
        let status = NOT_SENT;
        try {
          status = await ctx.store(
            instance.sopClassUid,
            instance.sopInstanceUid,
            instance.transferSyntaxUid,
            chunks.source(),
          );
        } catch (error) {
          ctx.logger.warn('C-GET sub-operation not sent', {
            messageId: rq.messageId,
            sopClassUid: instance.sopClassUid,
            error: (error as Error).message,
          });
        }
        await chunks.drain();
        send({ part: { $case: 'result', value: { status, skipped: false } } });
      }
      result ??= missingFinal(ctx.signal.aborted, counts);
    } catch (error) {
      if (!ctx.signal.aborted) {
        ctx.logger.warn('retrieve backend failed', { messageId: rq.messageId, error: String(error) });
      }
      result = failedRetrieve(error, ctx.signal.aborted, counts, 'Retrieve/Get');
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      ctx.association.off('end', onEnd);
      if (!call.writableEnded) call.end();
      if (result === undefined) call.cancel();
      stopTimer();
      endRetrieve(deps, DimseCommand.CGet, span, counts, result);
    }
    return result;
  };
}
