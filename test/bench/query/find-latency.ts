/**
 * Runs each query over ONE association (our SCU) against a DICOM endpoint and measures each C-FIND
 * from the request to its final response, every match read and checked to carry all requested keys.
 */
import { decodeIdentifier, encodeIdentifier } from '@dicomesh/dicom';
import { connectScu, queryRetrieveContexts } from '@dicomesh/dimse';
import { type FindQuery, requestedKeys } from './find-queries.ts';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly aeTitle: string;
}

export interface QueryLatency {
  readonly query: string;
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly meanMatches: number;
  /** Runs whose final status was not Success (0000). */
  readonly failures: number;
  /** Matches that lacked a requested key. */
  readonly incompleteMatches: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at]!;
}

export async function measureFind(
  endpoint: Endpoint,
  queries: readonly FindQuery[],
  options: { runs: number; warmup: number },
): Promise<QueryLatency[]> {
  const client = await connectScu({
    host: endpoint.host,
    port: endpoint.port,
    callingAeTitle: 'BENCHSCU',
    calledAeTitle: endpoint.aeTitle,
    contexts: queryRetrieveContexts(),
  });
  const results: QueryLatency[] = [];
  try {
    for (const query of queries) {
      const times: number[] = [];
      let matches = 0;
      let failures = 0;
      let incomplete = 0;
      for (let i = 0; i < options.warmup + options.runs; i++) {
        const identifier = query.identifier(i);
        const keys = requestedKeys(identifier);
        const started = performance.now();
        const op = await client.find('study', (ts) => Buffer.from(encodeIdentifier(identifier, ts)));
        let count = 0;
        for await (const match of op) {
          count++;
          if (i < options.warmup || match.identifier === undefined) continue;
          const found = decodeIdentifier(match.identifier, op.transferSyntaxUid);
          if (keys.some((k) => !Object.hasOwn(found, k))) incomplete++;
        }
        const final = await op.result;
        const elapsed = performance.now() - started;
        if (i < options.warmup) continue;
        times.push(elapsed);
        matches += count;
        if (final.status !== 0) failures++;
      }
      times.sort((a, b) => a - b);
      results.push({
        query: query.name,
        runs: times.length,
        p50Ms: percentile(times, 0.5),
        p99Ms: percentile(times, 0.99),
        meanMs: times.reduce((a, b) => a + b, 0) / times.length,
        meanMatches: matches / times.length,
        failures,
        incompleteMatches: incomplete,
      });
    }
  } finally {
    await client.association.release();
  }
  return results;
}
