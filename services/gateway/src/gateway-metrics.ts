/** The gateway's Prometheus metrics. */
import { defaultRegistry, type MetricsRegistry } from '@dicomesh/telemetry';

export function gatewayMetrics(registry: MetricsRegistry = defaultRegistry) {
  return {
    associationsOpen: registry.gauge<'calling_ae'>({
      name: 'dicomesh_associations_open',
      help: 'DICOM associations open now, by calling AE title.',
      labelNames: ['calling_ae'],
    }),
    associationsTotal: registry.counter<'outcome'>({
      name: 'dicomesh_associations_total',
      help: 'DICOM associations ended, by how they ended (released, aborted-by-peer, ...).',
      labelNames: ['outcome'],
    }),
    dimseRequests: registry.counter<'command' | 'status'>({
      name: 'dicomesh_dimse_requests_total',
      help: 'DIMSE requests answered, by command and final status (hex).',
      labelNames: ['command', 'status'],
    }),
    dimseDuration: registry.histogram<'command'>({
      name: 'dicomesh_dimse_duration_seconds',
      help: 'Time from a DIMSE request to its final response, by command.',
      labelNames: ['command'],
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
