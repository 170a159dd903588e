/**
 * SQL that narrows the candidates of one key: never stricter than `attribute-matcher` (which decides),
 * as selective as the index allows. Single-valued keys with a column of their own use it (b-tree
 * indexes: IDs, UIDs, dates, modality); other keys are read from the level's `attributes` jsonb.
 * Values always travel as parameters; the only text spliced into SQL is validated tags and aliases.
 */
import { PATIENT_NAME_BEYOND_PREFIX } from '@dicomesh/archive';
import type { QueryKey, ValueCondition } from './query-keys.js';
import { ComputedKey, LevelTable, QueryLevel } from './query-model.js';
import { isTemporal, normalizeTemporal, sqlNormalized } from './temporal.js';

/** Collects parameters, giving back their `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /** A point to roll back to when a condition turns out not to be expressible. */
  mark(): number {
    return this.values.length;
  }
  rollback(mark: number): void {
    this.values.length = mark;
  }
}

/** Columns holding a single-valued attribute exactly as its only value (migration 0001). */
const COLUMNS: Readonly<Record<string, { alias: string; column: string; numeric?: boolean }>> = {
  '00100020': { alias: LevelTable[QueryLevel.Patient].alias, column: 'patient_id' },
  '00100030': { alias: LevelTable[QueryLevel.Patient].alias, column: 'patient_birth_date' },
  '00100040': { alias: LevelTable[QueryLevel.Patient].alias, column: 'patient_sex' },
  '0020000D': { alias: LevelTable[QueryLevel.Study].alias, column: 'study_instance_uid' },
  '00080020': { alias: LevelTable[QueryLevel.Study].alias, column: 'study_date' },
  '00080050': { alias: LevelTable[QueryLevel.Study].alias, column: 'accession_number' },
  '00200010': { alias: LevelTable[QueryLevel.Study].alias, column: 'study_id' },
  '0020000E': { alias: LevelTable[QueryLevel.Series].alias, column: 'series_instance_uid' },
  '00080060': { alias: LevelTable[QueryLevel.Series].alias, column: 'modality' },
  '00200011': { alias: LevelTable[QueryLevel.Series].alias, column: 'series_number', numeric: true },
  '00080018': { alias: LevelTable[QueryLevel.Image].alias, column: 'sop_instance_uid' },
  '00080016': { alias: LevelTable[QueryLevel.Image].alias, column: 'sop_class_uid' },
  '00200013': { alias: LevelTable[QueryLevel.Image].alias, column: 'instance_number', numeric: true },
};

const TAG = /^[0-9A-F]{8}$/;

/** Whether the key's narrowing is a b-tree column of `alias` (else jsonb or text scans). */
export function isIndexedKey(key: QueryKey, alias: string): boolean {
  return key.vr !== 'PN' && COLUMNS[key.tag]?.alias === alias;
}

/** `*`/`?` to LIKE's `%`/`_`, with LIKE's own metacharacters escaped (backslash is the escape). */
export function likePattern(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

function or(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

function columnCondition(
  c: ValueCondition,
  vr: string,
  column: string,
  numeric: boolean,
  params: SqlParams,
): string | undefined {
  if (numeric) {
    return c.kind === 'single' && Number.isInteger(Number(c.value))
      ? `${column} = ${params.add(Number(c.value))}`
      : undefined;
  }
  if (c.kind === 'wildcard') return `${column} LIKE ${params.add(likePattern(c.pattern))}`;
  if (c.kind === 'single') {
    if (typeof c.value === 'number') return undefined;
    // A DA column holds YYYYMMDD: compared as it is, so that its index serves.
    if (vr === 'DA') return `${column} = ${params.add(normalizeTemporal(vr, c.value))}`;
    return isTemporal(vr) ? undefined : `${column} = ${params.add(c.value)}`;
  }
  if (vr !== 'DA') return undefined;
  const bounds: string[] = [];
  if (c.lower !== undefined) bounds.push(`${column} >= ${params.add(normalizeTemporal(vr, c.lower, '0'))}`);
  if (c.upper !== undefined) bounds.push(`${column} <= ${params.add(normalizeTemporal(vr, c.upper, '9'))}`);
  return bounds.join(' AND ');
}

/**
 * A pattern for `lower(value) LIKE`: ASCII letters lower-cased (PostgreSQL's lower() folds those in
 * every locale); other letters that have a case become `?`, since lower() leaves them alone under the C
 * locale (PGlite's); caseless characters (CJK, digits) stay literal. The matcher folds them exactly.
 */
export function foldForSql(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch.charCodeAt(0) < 0x80) out += ch.toLowerCase();
    else out += ch.toLowerCase() === ch.toUpperCase() ? ch : '?';
  }
  return out;
}

/** Narrowing of one value over the stored values `x` (text) of a jsonb array. */
function elementCondition(
  c: ValueCondition,
  vr: string,
  params: SqlParams,
  caseInsensitivePn: boolean,
): string | undefined {
  if (vr === 'PN') {
    const text = c.kind === 'wildcard' ? c.pattern : c.kind === 'single' ? String(c.value) : undefined;
    if (text === undefined) return undefined;
    // Any component group of any value: a superset of the matcher's group rules.
    const first = text.split('=').find((g) => g.trim() !== '');
    if (first === undefined) return undefined;
    const group = first.trim().replace(/\^+$/, '');
    const value = caseInsensitivePn ? 'lower(g.x)' : 'g.x';
    const p = params.add(likePattern(caseInsensitivePn ? foldForSql(group) : group));
    // Trailing empty components (`DOE^JOHN^`) are ignored by the matcher: allow them here too.
    return `EXISTS (SELECT 1 FROM jsonb_each_text(CASE WHEN jsonb_typeof(e.x) = 'object' THEN e.x END) g(k, x) WHERE rtrim(btrim(${value}), '^') LIKE ${p})`;
  }
  if (c.kind === 'wildcard') return `e.x #>> '{}' LIKE ${params.add(likePattern(c.pattern))}`;
  const x = "(e.x #>> '{}')";
  if (isTemporal(vr)) {
    const normalized = sqlNormalized(vr, x);
    if (c.kind === 'single') return `${normalized} = ${params.add(normalizeTemporal(vr, String(c.value)))}`;
    const bounds: string[] = [];
    if (c.lower !== undefined)
      bounds.push(`${normalized} >= ${params.add(normalizeTemporal(vr, c.lower, '0'))}`);
    if (c.upper !== undefined)
      bounds.push(`${normalized} <= ${params.add(normalizeTemporal(vr, c.upper, '9'))}`);
    return bounds.join(' AND ');
  }
  if (c.kind !== 'single') return undefined;
  if (typeof c.value === 'number') return `e.x = ${params.add(JSON.stringify(c.value))}::jsonb`;
  return `${x} = ${params.add(c.value)}`;
}

function jsonbCondition(
  key: QueryKey,
  alias: string,
  params: SqlParams,
  caseInsensitivePn: boolean,
): string | undefined {
  if (key.condition.kind !== 'any' || !TAG.test(key.tag)) return undefined;
  const mark = params.mark();
  const parts: string[] = [];
  for (const c of key.condition.alternatives) {
    const part = elementCondition(c, key.vr, params, caseInsensitivePn);
    if (part === undefined) {
      // One alternative we cannot narrow: no narrowing at all.
      params.rollback(mark);
      return undefined;
    }
    parts.push(part);
  }
  const values = `${alias}.attributes -> '${key.tag}' -> 'Value'`;
  return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${values}) = 'array' THEN ${values} END) e(x) WHERE ${or(parts)})`;
}

/**
 * Person name columns (the whole PN text: every value and component group) of migration 0001;
 * `prefixIndexed`: migration 0002 indexes lower(column) for prefix matching, and the rows a prefix test
 * cannot judge apart (PATIENT_NAME_BEYOND_PREFIX).
 */
const PERSON_NAME_COLUMNS: Readonly<
  Record<string, { alias: string; column: string; prefixIndexed: boolean }>
> = {
  '00100010': { alias: LevelTable[QueryLevel.Patient].alias, column: 'patient_name', prefixIndexed: true },
  '00080090': {
    alias: LevelTable[QueryLevel.Study].alias,
    column: 'referring_physician_name',
    prefixIndexed: false,
  },
};

/**
 * A name of one value and one component group, without a leading space, is that group: a group
 * matching the (folded) pattern starts the text, so `LIKE 'pattern%'` never excludes it, and the other
 * names are kept by PATIENT_NAME_BEYOND_PREFIX. Both halves have their index (migration 0002).
 */
function prefixCondition(column: string, pattern: string, params: SqlParams): string {
  const beyond = PATIENT_NAME_BEYOND_PREFIX.replaceAll('patient_name', column);
  return `(lower(${column}) LIKE ${params.add(`${pattern}%`)} OR ${beyond})`;
}

/**
 * A cheap text test in front of the jsonb one: a group that matches is a substring of the column's
 * whole PN text, so `LIKE '%group%'` on the column never excludes a match, and spares the jsonb walk
 * for most rows; on a prefix-indexed column, a pattern that starts with a literal is tested as a
 * prefix instead (`prefixCondition`), which its index serves.
 */
function personNameColumnCondition(
  key: QueryKey,
  column: string,
  params: SqlParams,
  caseInsensitive: boolean,
  prefixIndexed: boolean,
): string | undefined {
  if (key.condition.kind !== 'any') return undefined;
  const mark = params.mark();
  const parts: string[] = [];
  for (const c of key.condition.alternatives) {
    const text = c.kind === 'wildcard' ? c.pattern : c.kind === 'single' ? String(c.value) : undefined;
    const group = text
      ?.split('=')
      .map((g) => g.trim().replace(/\^+$/, ''))
      .find((g) => g !== '');
    if (group === undefined) {
      params.rollback(mark);
      return undefined;
    }
    const like = likePattern(caseInsensitive ? foldForSql(group) : group);
    if (caseInsensitive && prefixIndexed && !/^[%_]/.test(like)) {
      parts.push(prefixCondition(column, like, params));
      continue;
    }
    parts.push(`${caseInsensitive ? `lower(${column})` : column} LIKE ${params.add(`%${like}%`)}`);
  }
  return or(parts);
}

/** ModalitiesInStudy: a study with a series of one of the modalities. */
function modalitiesCondition(key: QueryKey, params: SqlParams): string | undefined {
  if (key.condition.kind !== 'any') return undefined;
  const mark = params.mark();
  const parts: string[] = [];
  for (const c of key.condition.alternatives) {
    if (c.kind === 'single') parts.push(`m.modality = ${params.add(String(c.value))}`);
    else if (c.kind === 'wildcard') parts.push(`m.modality LIKE ${params.add(likePattern(c.pattern))}`);
    else {
      params.rollback(mark);
      return undefined;
    }
  }
  const study = LevelTable[QueryLevel.Study].alias;
  return `EXISTS (SELECT 1 FROM series m WHERE m.study_fk = ${study}.id AND ${or(parts)})`;
}

/**
 * The narrowing of `key` stored in the table aliased `alias` (undefined: none possible, the matcher
 * alone decides). Computed keys other than ModalitiesInStudy are not narrowed.
 */
export function keyCondition(
  key: QueryKey,
  alias: string,
  params: SqlParams,
  caseInsensitivePn: boolean,
): string | undefined {
  if (key.condition.kind !== 'any') return undefined;
  if (key.tag === ComputedKey.ModalitiesInStudy) return modalitiesCondition(key, params);
  const column = COLUMNS[key.tag];
  if (column !== undefined && column.alias === alias && key.vr !== 'PN') {
    const mark = params.mark();
    const parts: string[] = [];
    for (const c of key.condition.alternatives) {
      const part = columnCondition(c, key.vr, `${alias}.${column.column}`, column.numeric ?? false, params);
      if (part === undefined) {
        params.rollback(mark);
        return jsonbCondition(key, alias, params, caseInsensitivePn);
      }
      parts.push(part);
    }
    return or(parts);
  }
  const names = PERSON_NAME_COLUMNS[key.tag];
  if (key.vr === 'PN' && names !== undefined && names.alias === alias) {
    const exact = jsonbCondition(key, alias, params, caseInsensitivePn);
    if (exact === undefined) return undefined;
    const text = personNameColumnCondition(
      key,
      `${alias}.${names.column}`,
      params,
      caseInsensitivePn,
      names.prefixIndexed,
    );
    return text === undefined ? exact : `${text} AND ${exact}`;
  }
  return jsonbCondition(key, alias, params, caseInsensitivePn);
}
