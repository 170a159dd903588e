import { defaultRegistry } from '@dicomesh/telemetry';

/** How a C-FIND ended, as the `outcome` label of the metrics. */
export const FindOutcomeLabel = {
  Success: 'success',
  Refused: 'refused',
  Failed: 'failed',
  Cancelled: 'cancelled',
  Error: 'error',
} as const;
export type FindOutcomeLabel = (typeof FindOutcomeLabel)[keyof typeof FindOutcomeLabel];

export const findLatency = defaultRegistry.histogram<'level' | 'outcome'>({
  name: 'dicomesh_query_find_duration_seconds',
  help: 'Time from the Query.Find request to its final status, by query level and outcome.',
  labelNames: ['level', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const firstMatchLatency = defaultRegistry.histogram<'level'>({
  name: 'dicomesh_query_first_match_seconds',
  help: 'Time from the Query.Find request to its first match, by query level.',
  labelNames: ['level'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export const findMatches = defaultRegistry.counter<'level'>({
  name: 'dicomesh_query_matches_total',
  help: 'Matches sent by Query.Find, by query level.',
  labelNames: ['level'],
});
