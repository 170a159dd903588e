/**
 * Reads the rows of a find query in growing batches, each a statement of its own keyed on the last id
 * seen: the first rows come back after a small batch, later batches are larger, and no transaction or
 * connection is held while the consumer (the gRPC stream, the SCU) takes its time. Aborting the signal
 * stops before the next batch.
 */
import type { SqlClient } from '@dicomesh/archive';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { FindSql } from './find-sql.js';
import { statementName } from './statement-names.js';

/** The first batch is small (the first match goes out at once); each next one doubles, up to the maximum. */
export const FIRST_BATCH_ROWS = 16;
export const MAX_BATCH_ROWS = 512;

export interface FindRow {
  readonly row_id: string | number;
  readonly [column: string]: unknown;
}

export class CursorAbortedError extends Error {
  override readonly name = 'CursorAbortedError';
  constructor() {
    super('find cursor aborted');
  }
}

export async function* findRows(
  sql: SqlClient,
  query: FindSql,
  signal: AbortSignal,
  options: { firstBatch?: number; maxBatch?: number; tracer?: Tracer; table?: string } = {},
): AsyncGenerator<FindRow> {
  const params = [...query.params];
  let batch = options.firstBatch ?? FIRST_BATCH_ROWS;
  const maxBatch = options.maxBatch ?? MAX_BATCH_ROWS;
  let afterId = '0';
  const prefilter = query.patientPrefilter;
  if (prefilter !== undefined) {
    if (signal.aborted) throw new CursorAbortedError();
    const patients = await traced(options.tracer, 'patients', 0, () =>
      sql.query<{ id: string | number }>(
        prefilter.text,
        prefilter.params,
        prefilter.planCacheable ? named(prefilter.text) : {},
      ),
    );
    if (patients.length === 0) return;
    params[prefilter.idsPlaceholder - 1] = `{${patients.map((p) => String(p.id)).join(',')}}`;
  }
  for (;;) {
    if (signal.aborted) throw new CursorAbortedError();
    params[query.afterIdPlaceholder - 1] = afterId;
    params[query.limitPlaceholder - 1] = batch;
    const rows = await traced(options.tracer, options.table ?? '', batch, () =>
      sql.query<FindRow>(query.text, params, query.planCacheable ? named(query.text) : {}),
    );
    for (const row of rows) {
      if (signal.aborted) throw new CursorAbortedError();
      afterId = String(row.row_id);
      yield row;
    }
    if (rows.length < batch) return;
    batch = Math.min(batch * 2, maxBatch);
  }
}

function named(text: string): { name?: string } {
  const name = statementName(text);
  return name === undefined ? {} : { name };
}

/** One batch's statement as a CLIENT span (`SELECT <table>`), the child of the active (Query.Find) span. */
async function traced<R>(
  tracer: Tracer | undefined,
  table: string,
  limit: number,
  run: () => Promise<{ rows: R[] }>,
): Promise<R[]> {
  if (tracer === undefined) return (await run()).rows;
  return tracer.startActiveSpan(
    `SELECT ${table}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system': 'postgresql', 'db.operation': 'SELECT', 'db.sql.table': table },
    },
    async (span) => {
      try {
        const { rows } = await run();
        span.setAttributes({ 'dicomesh.batch_limit': limit, 'dicomesh.rows': rows.length });
        return rows;
      } catch (error) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
