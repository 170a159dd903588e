export { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
export {
  DicomAttribute,
  DimseCommand,
  type DimseSpanFields,
  type DimseSpanOptions,
  DimseStatusCategory,
  dimseStatusCategory,
  endDimseSpan,
  type SubOperationCounts,
  startDimseSpan,
} from './dimse-span.js';
export {
  configureLogging,
  createLogger,
  type LogFields,
  type Logger,
  type LoggingOptions,
  LogLevel,
} from './logger.js';
export {
  Counter,
  DEFAULT_BUCKETS,
  defaultRegistry,
  Gauge,
  Histogram,
  type HistogramOptions,
  type LabelValues,
  type MetricOptions,
  MetricsError,
  MetricsRegistry,
  MetricType,
} from './metrics.js';
export {
  METRICS_CONTENT_TYPE,
  type MetricsServer,
  type MetricsServerOptions,
  serveMetrics,
} from './metrics-server.js';
export {
  parseResourceAttributes,
  type ResolvedResource,
  ResourceAttributesError,
  type ResourceInput,
  resolveResourceAttributes,
} from './resource-attributes.js';
export { onShutdownSignal } from './shutdown-signal.js';
export {
  startTelemetry,
  type Telemetry,
  type TelemetryExporter,
  type TelemetryOptions,
} from './telemetry-setup.js';
