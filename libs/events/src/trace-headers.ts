/** W3C trace context (`traceparent`, `tracestate`) carried in event headers. */
import { context, propagation } from '@opentelemetry/api';

/**
 * The headers to send: the active OpenTelemetry context injected by the global propagator (W3C trace context
 * once telemetry is started), then `explicit` on top. Explicit headers win so that an outbox row keeps the
 * `traceparent` of the span that committed it, not whatever is active in the relay.
 */
export function withTraceHeaders(explicit: Readonly<Record<string, string>> = {}): Record<string, string> {
  const injected: Record<string, string> = {};
  propagation.inject(context.active(), injected);
  return { ...injected, ...explicit };
}

/** The OpenTelemetry context carried by received headers (for a consumer's span to continue the trace). */
export function contextFromHeaders(headers: Readonly<Record<string, string>>) {
  return propagation.extract(context.active(), headers);
}
