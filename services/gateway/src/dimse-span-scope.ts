/**
 * Runs the serving of one DIMSE message inside its span: the span is active while the handler runs (so
 * backend gRPC calls carry it as their parent), ends with the final status, and counts in the metrics.
 */
import type { DimseResult, ScpContext } from '@dicomesh/dimse';
import { type DimseCommand, type DimseSpanFields, endDimseSpan, startDimseSpan } from '@dicomesh/telemetry';
import { context, type Link, type Tracer, trace } from '@opentelemetry/api';
import type { GatewayMetrics } from './gateway-metrics.js';

export interface SpanScopeDeps {
  readonly tracer: Tracer;
  readonly metrics: GatewayMetrics;
  /** Link from every DIMSE span to its association's span. */
  readonly associationLink?: Link;
}

type ExtraFields = Partial<Omit<DimseSpanFields, 'command' | 'associationId' | 'callingAe' | 'calledAe'>>;

export async function withDimseSpan(
  deps: SpanScopeDeps,
  command: DimseCommand,
  ctx: ScpContext,
  fields: ExtraFields & { messageId: number },
  serve: () => Promise<DimseResult>,
): Promise<DimseResult> {
  const association = ctx.association;
  const span = startDimseSpan(
    deps.tracer,
    {
      command,
      associationId: association.id,
      callingAe: association.negotiated.callingAeTitle,
      calledAe: association.negotiated.calledAeTitle,
      remoteAddress: association.remoteAddress,
      transferSyntaxUid: ctx.transferSyntaxUid,
      ...fields,
    },
    deps.associationLink ? { links: [deps.associationLink] } : {},
  );
  const stopTimer = deps.metrics.dimseDuration.startTimer({ command });
  const result = await context.with(trace.setSpan(context.active(), span), serve);
  stopTimer();
  deps.metrics.dimseRequests.inc({ command, status: result.status.toString(16).padStart(4, '0') });
  endDimseSpan(span, result.status);
  return result;
}
