/**
 * `dicomesh.v1.Query/Find`: reads the identifier, checks it against the information model, and streams
 * each match as the index yields it, then the final status. This is the one place where failures
 * become DIMSE statuses; cancelling the call (C-CANCEL) stops the index reads before the next batch.
 */
import { once } from 'node:events';
import type { SqlClient } from '@dicomesh/archive';
import { Status } from '@dicomesh/dimse';
import {
  type FindFinal,
  type FindRequest,
  type FindResponse,
  InformationModel,
  type QueryServer,
  QueryServiceDefinition,
  RpcError,
  type ServerWritableStream,
  tracedServerStream,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { type Tracer, trace } from '@opentelemetry/api';
import { QueryCancelledError, QueryFailedError } from './errors.js';
import { CursorAbortedError, findRows } from './find-cursor.js';
import { buildFindSql } from './find-sql.js';
import { matchRow } from './match-response.js';
import { decodeQueryIdentifier, parseQuery } from './query-keys.js';
import { FindOutcomeLabel, findLatency, findMatches, firstMatchLatency } from './query-metrics.js';
import { LevelTable, Model, QueryLevel } from './query-model.js';

export interface QueryServiceOptions {
  /** The index (read only). */
  readonly sql: SqlClient;
  /** Matches one call may send; past it the final status is A700 (0: no cap). */
  readonly maxMatches: number;
  readonly personNameCaseInsensitive: boolean;
  /** Retrieve AE Title of the matches; unset: the called AE title of the request's association. */
  readonly retrieveAeTitle?: string | undefined;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
}

const FIND_METHOD = QueryServiceDefinition.find.path.slice(1);

/** Patient Root and Study Root FIND SOP classes (PS3.4 C.6). */
const MODEL_BY_SOP_CLASS: Readonly<Record<string, Model>> = {
  '1.2.840.10008.5.1.4.1.2.1.1': Model.PatientRoot,
  '1.2.840.10008.5.1.4.1.2.2.1': Model.StudyRoot,
};

function modelOf(request: FindRequest): Model {
  if (request.informationModel === InformationModel.INFORMATION_MODEL_PATIENT_ROOT) return Model.PatientRoot;
  if (request.informationModel === InformationModel.INFORMATION_MODEL_STUDY_ROOT) return Model.StudyRoot;
  const model = MODEL_BY_SOP_CLASS[request.sopClassUid];
  if (model === undefined) throw new QueryFailedError(Status.SopClassNotSupported, 'SOP Class not supported');
  return model;
}

/** Errors of the index's driver that mean "the database is not there" (IndexUnavailableError of @dicomesh/archive). */
function isIndexUnavailable(error: unknown): boolean {
  return error instanceof Error && error.name === 'IndexUnavailableError';
}

function finalOf(error: unknown): Omit<FindFinal, 'matchCount'> | undefined {
  if (error instanceof QueryFailedError) {
    return {
      status: error.status,
      errorComment: error.comment,
      offendingElements: [...error.offendingElements],
    };
  }
  if (isIndexUnavailable(error)) {
    return { status: Status.OutOfResources, errorComment: 'index unavailable', offendingElements: [] };
  }
  return undefined;
}

/** Writes one message, waiting for the stream to drain (or the call to be cancelled) when it is full. */
async function send(
  call: ServerWritableStream<FindRequest, FindResponse>,
  message: FindResponse,
  signal: AbortSignal,
) {
  if (call.write(message) || signal.aborted) return;
  await once(call, 'drain', { signal }).catch(() => undefined);
}

export function createQueryService(options: QueryServiceOptions): QueryServer {
  const logger = options.logger ?? createLogger('query');
  const tracer = options.tracer ?? trace.getTracer('@dicomesh/query');

  async function find(
    request: FindRequest,
    call: ServerWritableStream<FindRequest, FindResponse>,
  ): Promise<void> {
    const started = performance.now();
    const controller = new AbortController();
    const onCancel = () => controller.abort();
    call.on('cancelled', onCancel);
    if (call.cancelled) controller.abort();
    const span = trace.getActiveSpan();
    const fields = {
      associationId: request.context?.associationId ?? '',
      callingAe: request.context?.callingAeTitle ?? '',
      messageId: request.context?.messageId ?? 0,
    };
    let level = request.queryRetrieveLevel || 'unknown';
    let outcome: FindOutcomeLabel = FindOutcomeLabel.Error;
    let sent = 0;
    const final = async (body: Omit<FindFinal, 'matchCount'>) => {
      span?.setAttribute('dicom.status', body.status);
      await send(call, { part: { $case: 'final', value: { ...body, matchCount: sent } } }, controller.signal);
    };
    try {
      const model = modelOf(request);
      const identifier = decodeQueryIdentifier(request.identifier, request.transferSyntaxUid);
      const query = parseQuery(identifier, model, { relational: request.relationalQueries });
      level = query.level;
      span?.setAttributes({
        'dicom.query_level': level,
        'dicom.relational_queries': request.relationalQueries,
      });
      const sql = buildFindSql(query, options);
      const responseOptions = {
        personNameCaseInsensitive: options.personNameCaseInsensitive,
        retrieveAeTitle: options.retrieveAeTitle ?? request.context?.calledAeTitle ?? '',
        transferSyntaxUid: request.transferSyntaxUid,
      };
      const rows = findRows(options.sql, sql, controller.signal, {
        tracer,
        table: LevelTable[query.level].table,
      });
      for await (const row of rows) {
        const match = matchRow(query, sql, row, responseOptions);
        if (match === undefined) continue;
        if (options.maxMatches > 0 && sent >= options.maxMatches) {
          outcome = FindOutcomeLabel.Refused;
          logger.warn('C-FIND match limit reached', { ...fields, level, maxMatches: options.maxMatches });
          await final({
            status: Status.OutOfResources,
            errorComment: `more than ${options.maxMatches} matches: narrow the query`,
            offendingElements: [],
          });
          return;
        }
        if (sent === 0) firstMatchLatency.observe({ level }, (performance.now() - started) / 1000);
        sent++;
        findMatches.inc({ level });
        await send(
          call,
          { part: { $case: 'match', value: { identifier: match, status: Status.Pending } } },
          controller.signal,
        );
      }
      if (controller.signal.aborted) throw new QueryCancelledError(sent);
      outcome = FindOutcomeLabel.Success;
      logger.info('C-FIND answered', { ...fields, level, matches: sent });
      await final({ status: Status.Success, errorComment: '', offendingElements: [] });
    } catch (error) {
      if (
        controller.signal.aborted ||
        error instanceof CursorAbortedError ||
        error instanceof QueryCancelledError
      ) {
        outcome = FindOutcomeLabel.Cancelled;
        logger.info('C-FIND cancelled', { ...fields, level, matches: sent });
        throw RpcError.of('cancelled', 'Query.Find cancelled by the caller', error);
      }
      const body = finalOf(error);
      if (body === undefined) {
        logger.error('C-FIND failed', {
          ...fields,
          level,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
      outcome = FindOutcomeLabel.Failed;
      logger.warn('C-FIND failed', {
        ...fields,
        level,
        status: body.status,
        errorComment: body.errorComment,
      });
      await final(body);
    } finally {
      call.off('cancelled', onCancel);
      const known = Object.values(QueryLevel).includes(level as QueryLevel) ? level : 'unknown';
      findLatency.observe({ level: known, outcome }, (performance.now() - started) / 1000);
    }
  }

  return { find: tracedServerStream(FIND_METHOD, find, { tracer }) };
}
