import { context, propagation, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createLogger } from './logger.js';
import { resolveResourceAttributes } from './resource-attributes.js';

/** Where spans go: nowhere, to stdout, to an OTLP collector (configured by the standard OTEL_* variables), or to a given exporter (tests pass an InMemorySpanExporter). */
export type TelemetryExporter = 'none' | 'console' | 'otlp' | SpanExporter;

export interface TelemetryOptions {
  /** The service's own name: service.name unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name another. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTEL_SERVICE_NAME, as libs/config read it. */
  readonly otelServiceName?: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, as libs/config read it (`key=value,...`, values percent-encoded). */
  readonly otelResourceAttributes?: string | undefined;
  readonly exporter?: TelemetryExporter;
  /** Register the provider, the AsyncLocalStorage context manager and the W3C propagator as the process-wide globals (default true). */
  readonly registerGlobals?: boolean;
}

export interface Telemetry {
  readonly tracerProvider: BasicTracerProvider;
  /** A tracer of this provider (instrumentation scope `dicomesh`, or the given name). */
  tracer(name?: string): Tracer;
  /**
   * Spans leave the process (an exporter other than `none`). Without one, a span is only ever seen as the
   * active span's IDs in log lines, so spans that never become active need not be made at all.
   */
  readonly exporting: boolean;
  /** Exports what is pending, then unregisters the globals so telemetry can be started again (tests). */
  shutdown(): Promise<void>;
}

function spanProcessorFor(exporter: TelemetryExporter): SpanProcessor | undefined {
  if (exporter === 'none') return undefined;
  if (exporter === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  if (exporter === 'otlp') return new BatchSpanProcessor(new OTLPTraceExporter());
  // A caller's exporter (tests): spans are exported synchronously as they end, so they can be asserted at once.
  return new SimpleSpanProcessor(exporter);
}

/**
 * Starts OpenTelemetry tracing for one service. Call it first in `main.ts`, before the instrumented modules run.
 * With `registerGlobals` (the default) the active context follows async calls (AsyncLocalStorage) and
 * `traceparent`/`tracestate` (plus `baggage`) are the propagation format.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const processor = spanProcessorFor(options.exporter ?? 'none');
  const resource = resolveResourceAttributes(options);
  if (resource.discarded !== undefined) {
    createLogger('telemetry').warn('OTEL_RESOURCE_ATTRIBUTES discarded', { problem: resource.discarded });
  }
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource.attributes),
    spanProcessors: processor === undefined ? [] : [processor],
  });
  const registerGlobals = options.registerGlobals ?? true;
  if (registerGlobals) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    trace.setGlobalTracerProvider(tracerProvider);
  }
  return {
    tracerProvider,
    tracer: (name = 'dicomesh') => tracerProvider.getTracer(name),
    exporting: processor !== undefined,
    async shutdown() {
      try {
        await tracerProvider.forceFlush();
        await tracerProvider.shutdown();
      } finally {
        if (registerGlobals) {
          trace.disable();
          propagation.disable();
          context.disable();
        }
      }
    },
  };
}
