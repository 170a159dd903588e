/** What the C-MOVE and C-GET handlers share: the request as the retrieve service takes it, and its span. */
import { decodeIdentifier } from '@dicomesh/dicom';
import type { CGetRequest, RetrieveResult, ScpContext, SubOperationCounts } from '@dicomesh/dimse';
import {
  InformationModel,
  type RetrieveCounts,
  type RetrieveFinal,
  RetrieveQuery,
  toRpcError,
} from '@dicomesh/rpc';
import { type DimseCommand, endDimseSpan, startDimseSpan } from '@dicomesh/telemetry';
import type { Span } from '@opentelemetry/api';
import { associationContext } from './association-context.js';
import type { SpanScopeDeps } from './dimse-span-scope.js';
import { backendFailure } from './dimse-status.js';

const MODEL_BY_SOP_CLASS: Readonly<Record<string, InformationModel>> = {
  '1.2.840.10008.5.1.4.1.2.1.2': InformationModel.INFORMATION_MODEL_PATIENT_ROOT,
  '1.2.840.10008.5.1.4.1.2.1.3': InformationModel.INFORMATION_MODEL_PATIENT_ROOT,
  '1.2.840.10008.5.1.4.1.2.2.2': InformationModel.INFORMATION_MODEL_STUDY_ROOT,
  '1.2.840.10008.5.1.4.1.2.2.3': InformationModel.INFORMATION_MODEL_STUDY_ROOT,
};

/** PS3.4 C.4.2.1.5: Refused: Out of Resources - Unable to perform sub-operations. */
export const UNABLE_TO_PERFORM_SUBOPERATIONS = 0xa702;
export const CANCEL = 0xfe00;

/** The identifier's Query/Retrieve Level, for the span (the retrieve service checks it; '' when unreadable). */
export function retrieveLevel(identifier: Buffer, transferSyntaxUid: string): string {
  try {
    const level = decodeIdentifier(identifier, transferSyntaxUid).QueryRetrieveLevel;
    return typeof level === 'string' ? level.trim() : '';
  } catch {
    return '';
  }
}

export function retrieveQuery(rq: CGetRequest, ctx: ScpContext, level: string): RetrieveQuery {
  return RetrieveQuery.fromPartial({
    context: associationContext(ctx.association, rq.messageId),
    sopClassUid: rq.affectedSopClassUid,
    informationModel:
      MODEL_BY_SOP_CLASS[rq.affectedSopClassUid] ?? InformationModel.INFORMATION_MODEL_UNSPECIFIED,
    queryRetrieveLevel: level,
    identifier: rq.identifier,
    transferSyntaxUid: rq.transferSyntaxUid,
    priority: rq.priority,
  });
}

export function startRetrieveSpan(
  deps: SpanScopeDeps,
  command: DimseCommand,
  rq: CGetRequest,
  ctx: ScpContext,
  level: string,
  moveDestination?: string,
): Span {
  const association = ctx.association;
  return startDimseSpan(
    deps.tracer,
    {
      command,
      associationId: association.id,
      callingAe: association.negotiated.callingAeTitle,
      calledAe: association.negotiated.calledAeTitle,
      remoteAddress: association.remoteAddress,
      messageId: rq.messageId,
      sopClassUid: rq.affectedSopClassUid,
      transferSyntaxUid: rq.transferSyntaxUid,
      ...(level === '' ? {} : { queryLevel: level }),
      ...(moveDestination === undefined ? {} : { moveDestination }),
    },
    deps.associationLink ? { links: [deps.associationLink] } : {},
  );
}

export function countsOf(counts: RetrieveCounts | undefined): SubOperationCounts {
  return {
    remaining: counts?.remaining ?? 0,
    completed: counts?.completed ?? 0,
    failed: counts?.failed ?? 0,
    warning: counts?.warning ?? 0,
  };
}

export function resultOf(final: RetrieveFinal): RetrieveResult {
  return {
    status: final.status,
    counts: countsOf(final.counts),
    ...(final.failedSopInstanceUids.length > 0 ? { failedSopInstanceUids: final.failedSopInstanceUids } : {}),
    ...(final.errorComment ? { errorComment: final.errorComment } : {}),
    ...(final.offendingElements.length > 0 ? { offendingElement: final.offendingElements } : {}),
  };
}

/** The final result when the retrieve stream ended without one: FE00 after a cancel, else A702. */
export function missingFinal(aborted: boolean, counts: SubOperationCounts): RetrieveResult {
  return aborted
    ? { status: CANCEL, counts }
    : { status: UNABLE_TO_PERFORM_SUBOPERATIONS, errorComment: 'retrieve service sent no final status' };
}

/** The final result when the retrieve call failed: FE00 after a cancel, else A702 naming the backend failure. */
export function failedRetrieve(
  error: unknown,
  aborted: boolean,
  counts: SubOperationCounts,
  method: 'Retrieve/Move' | 'Retrieve/Get',
): RetrieveResult {
  if (aborted) return { status: CANCEL, counts };
  return {
    ...backendFailure('retrieve', toRpcError(error, method)),
    status: UNABLE_TO_PERFORM_SUBOPERATIONS,
    counts,
  };
}

/** Counts the request in the metrics and ends its span with its final status (FE00 when there is none). */
export function endRetrieve(
  deps: SpanScopeDeps,
  command: DimseCommand,
  span: Span,
  counts: SubOperationCounts,
  result: RetrieveResult | undefined,
): void {
  const status = result?.status ?? CANCEL;
  deps.metrics.dimseRequests.inc({ command, status: status.toString(16).padStart(4, '0') });
  endDimseSpan(span, status, { ...counts, ...result?.counts });
}
