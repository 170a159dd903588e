import { defaultRegistry } from '@dicomesh/telemetry';

/** How a C-STORE ended, as the `outcome` label of the metrics. */
export const StoreOutcomeLabel = {
  Stored: 'stored',
  Duplicate: 'duplicate',
  Replaced: 'replaced',
  Refused: 'refused',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Error: 'error',
} as const;
export type StoreOutcomeLabel = (typeof StoreOutcomeLabel)[keyof typeof StoreOutcomeLabel];

export const storeBytesReceived = defaultRegistry.counter({
  name: 'dicomesh_storage_received_bytes_total',
  help: 'Data set bytes received by Storage.Store (meta header not included).',
});

export const storeOutcomes = defaultRegistry.counter<'outcome' | 'status'>({
  name: 'dicomesh_storage_store_total',
  help: 'C-STORE requests answered by the storage service, by outcome and DIMSE status.',
  labelNames: ['outcome', 'status'],
});

export const storeLatency = defaultRegistry.histogram<'outcome'>({
  name: 'dicomesh_storage_store_duration_seconds',
  help: 'Time from the first request message to the answer of Storage.Store.',
  labelNames: ['outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
});
