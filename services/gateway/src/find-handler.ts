/**
 * C-FIND: the identifier goes to the query service as received (`Query.Find`, server streaming); each
 * match it streams becomes a Pending response at once, its final message the final status. A C-CANCEL
 * (or the association ending) cancels the call, which stops the index reads, and is answered FE00.
 */

import { decodeIdentifier } from '@dicomesh/dicom';
import type { CFindHandler, CFindMatch, DimseResult } from '@dicomesh/dimse';
import {
  type FindFinal,
  FindRequest,
  type FindResponse,
  InformationModel,
  Metadata,
  type QueryClient,
  toRpcError,
} from '@dicomesh/rpc';
import { DimseCommand, endDimseSpan, startDimseSpan } from '@dicomesh/telemetry';
import { context, trace } from '@opentelemetry/api';
import { associationContext } from './association-context.js';
import type { SpanScopeDeps } from './dimse-span-scope.js';
import { backendFailure } from './dimse-status.js';

/** PS3.4 C.4.1.1.4: Refused: Out of Resources, when the query service cannot answer. */
const OUT_OF_RESOURCES = 0xa700;
/** PS3.4 C.4.1.1.4: Failed: Unable to process. */
const UNABLE_TO_PROCESS = 0xc000;
const CANCEL = 0xfe00;
const PENDING = 0xff00;
const PENDING_WARNING = 0xff01;

const MODEL_BY_SOP_CLASS: Readonly<Record<string, InformationModel>> = {
  '1.2.840.10008.5.1.4.1.2.1.1': InformationModel.INFORMATION_MODEL_PATIENT_ROOT,
  '1.2.840.10008.5.1.4.1.2.2.1': InformationModel.INFORMATION_MODEL_STUDY_ROOT,
};

/** Extended negotiation sub-item of the FIND SOP classes (PS3.4 C.5.1.1): byte 0 is relational-queries. */
const RELATIONAL_QUERIES_BYTE = 0;
const SUPPORTED = 1;

/**
 * The answer to a FIND SOP class's extended negotiation (the acceptor's `extendedNegotiation` option):
 * relational-queries (byte 0) agreed when asked for; combined date-time matching, fuzzy semantic
 * matching of person names, timezone adjustment and the later options are not supported (0). The
 * answer is as long as the request, so each option the SCU proposed gets its answer. Other SOP
 * classes: no answer (not agreed).
 */
export function findExtendedNegotiation(sopClassUid: string, info: Buffer): Buffer | undefined {
  if (MODEL_BY_SOP_CLASS[sopClassUid] === undefined || info.length === 0) return undefined;
  const answer = Buffer.alloc(info.length);
  answer[RELATIONAL_QUERIES_BYTE] = info[RELATIONAL_QUERIES_BYTE] === SUPPORTED ? SUPPORTED : 0;
  return answer;
}

/** Whether relational queries were agreed on the association for this FIND SOP class. */
function relationalQueries(agreed: ReadonlyMap<string, Buffer>, sopClassUid: string): boolean {
  return agreed.get(sopClassUid)?.[RELATIONAL_QUERIES_BYTE] === SUPPORTED;
}

/** What the handler needs of the backends: the query client. */
export interface QueryBackend {
  readonly query: QueryClient;
}

/** The identifier's Query/Retrieve Level, for the span (the query service checks it; '' when unreadable). */
function queryLevel(identifier: Buffer, transferSyntaxUid: string): string {
  try {
    const level = decodeIdentifier(identifier, transferSyntaxUid).QueryRetrieveLevel;
    return typeof level === 'string' ? level.trim() : '';
  } catch {
    return '';
  }
}

function finalResult(final: FindFinal): DimseResult {
  return {
    status: final.status,
    ...(final.errorComment ? { errorComment: final.errorComment } : {}),
    ...(final.offendingElements.length > 0 ? { offendingElement: final.offendingElements } : {}),
  };
}

export function findHandler(backends: QueryBackend, deps: SpanScopeDeps): CFindHandler {
  return async function* find(rq, ctx): AsyncGenerator<CFindMatch, DimseResult> {
    const association = ctx.association;
    const level = queryLevel(rq.identifier, rq.transferSyntaxUid);
    const span = startDimseSpan(
      deps.tracer,
      {
        command: DimseCommand.CFind,
        associationId: association.id,
        callingAe: association.negotiated.callingAeTitle,
        calledAe: association.negotiated.calledAeTitle,
        remoteAddress: association.remoteAddress,
        messageId: rq.messageId,
        sopClassUid: rq.affectedSopClassUid,
        transferSyntaxUid: rq.transferSyntaxUid,
        ...(level === '' ? {} : { queryLevel: level }),
      },
      deps.associationLink ? { links: [deps.associationLink] } : {},
    );
    const stopTimer = deps.metrics.dimseDuration.startTimer({ command: DimseCommand.CFind });
    const request = FindRequest.fromPartial({
      context: associationContext(association, rq.messageId),
      sopClassUid: rq.affectedSopClassUid,
      informationModel:
        MODEL_BY_SOP_CLASS[rq.affectedSopClassUid] ?? InformationModel.INFORMATION_MODEL_UNSPECIFIED,
      queryRetrieveLevel: level,
      identifier: rq.identifier,
      transferSyntaxUid: rq.transferSyntaxUid,
      priority: rq.priority,
      relationalQueries: relationalQueries(
        association.negotiated.extendedNegotiation,
        rq.affectedSopClassUid,
      ),
    });
    // Started with the DIMSE span active: the call carries it, so the query service's span is its child.
    const call = context.with(trace.setSpan(context.active(), span), () =>
      backends.query.find(request, new Metadata()),
    );
    const cancel = () => call.cancel();
    ctx.signal.addEventListener('abort', cancel, { once: true });
    let result: DimseResult = { status: CANCEL };
    try {
      let final: FindFinal | undefined;
      for await (const message of call as AsyncIterable<FindResponse>) {
        const part = message.part;
        if (part?.$case === 'match') {
          const status = part.value.status === PENDING_WARNING ? PENDING_WARNING : PENDING;
          yield { identifier: part.value.identifier, status };
        } else if (part?.$case === 'final') {
          final = part.value;
        }
      }
      result =
        final === undefined
          ? { status: UNABLE_TO_PROCESS, errorComment: 'query service sent no final status' }
          : finalResult(final);
    } catch (error) {
      if (ctx.signal.aborted) {
        result = { status: CANCEL };
      } else {
        ctx.logger.warn('query backend failed', { messageId: rq.messageId, error: String(error) });
        result = { ...backendFailure('query', toRpcError(error, 'Query/Find')), status: OUT_OF_RESOURCES };
      }
    } finally {
      ctx.signal.removeEventListener('abort', cancel);
      // Closed early (C-CANCEL seen by the dispatcher between matches): stop the backend too.
      if (ctx.signal.aborted) {
        call.cancel();
        result = { status: CANCEL };
      }
      stopTimer();
      deps.metrics.dimseRequests.inc({
        command: DimseCommand.CFind,
        status: result.status.toString(16).padStart(4, '0'),
      });
      endDimseSpan(span, result.status);
    }
    return result;
  };
}
