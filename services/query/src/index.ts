/** @dicomesh/query: C-FIND (PS3.4 Annex C) over the index that storage writes, behind `dicomesh.v1.Query`. */
export { type MatchOptions, matchesAll, matchesKey, wildcardRegExp } from './attribute-matcher.js';
export { QueryCancelledError, QueryFailedError } from './errors.js';
export {
  CursorAbortedError,
  FIRST_BATCH_ROWS,
  type FindRow,
  findRows,
  MAX_BATCH_ROWS,
} from './find-cursor.js';
export { createQueryService, type QueryServiceOptions } from './find-handler.js';
export { buildFindSql, type FindSql, type FindSqlOptions } from './find-sql.js';
export { keyCondition, likePattern, SqlParams } from './key-conditions.js';
export { encodeResponse, matchRow, responseIdentifier, rowAttributes } from './match-response.js';
export {
  type Condition,
  decodeQueryIdentifier,
  type ParsedQuery,
  parseQuery,
  type QueryKey,
  type ValueCondition,
} from './query-keys.js';
export { ComputedKey, Model, QueryLevel, UNIQUE_KEYS } from './query-model.js';
export { runQuery } from './run-query.js';
export {
  QUERY_SERVICE,
  type QueryServerHandle,
  type QueryServerOptions,
  startQueryServer,
} from './server.js';
export { isTemporal, normalizeTemporal } from './temporal.js';
