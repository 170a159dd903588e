/** C-STORE: the data set streams to the storage service as it arrives; its answer is the DIMSE status. */
import type { CStoreHandler } from '@dicomesh/dimse';
import { StoreHeader } from '@dicomesh/rpc';
import { DimseCommand } from '@dicomesh/telemetry';
import { associationContext } from './association-context.js';
import type { Backends } from './backends.js';
import { type SpanScopeDeps, withDimseSpan } from './dimse-span-scope.js';
import { backendFailure, OUT_OF_RESOURCES } from './dimse-status.js';
import { storeThroughBackend } from './store-call.js';

export function storeHandler(backends: Backends, deps: SpanScopeDeps): CStoreHandler {
  return (rq, ctx) =>
    withDimseSpan(
      deps,
      DimseCommand.CStore,
      ctx,
      {
        messageId: rq.messageId,
        sopClassUid: rq.affectedSopClassUid,
        transferSyntaxUid: rq.transferSyntaxUid,
      },
      async () => {
        const header = StoreHeader.fromPartial({
          context: associationContext(ctx.association, rq.messageId),
          sopClassUid: rq.affectedSopClassUid,
          sopInstanceUid: rq.affectedSopInstanceUid,
          transferSyntaxUid: rq.transferSyntaxUid,
          priority: rq.priority,
          moveOriginatorAeTitle: rq.moveOriginator?.aeTitle ?? '',
          moveOriginatorMessageId: rq.moveOriginator?.messageId ?? 0,
        });
        try {
          const response = await storeThroughBackend(backends.storage, header, rq.dataset, {
            stallTimeoutMs: backends.deadlineMs,
            signal: ctx.signal,
          });
          return {
            status: response.status,
            ...(response.errorComment ? { errorComment: response.errorComment } : {}),
          };
        } catch (error) {
          ctx.logger.warn('storage backend failed', { messageId: rq.messageId, error: String(error) });
          // Whatever is left of the data set is read and dropped: the association stays usable.
          rq.dataset.resume();
          return { ...backendFailure('storage', error), status: OUT_OF_RESOURCES };
        }
      },
    );
}
