/**
 * A C-FIND identifier read into what matching needs (PS3.4 C.2.2.2): per key its tag, VR, the level it
 * belongs to and its matching condition (universal, single values, wildcards, ranges, lists, sequence),
 * checked against the hierarchical rules of C.4.1.2.1 (A900 with a comment when broken).
 */
import {
  CharacterSetError,
  DicomError,
  decodeIdentifier,
  type Identifier,
  type IdentifierValue,
  lookupElement,
  parseTag,
  tagToHex,
  type Vr,
} from '@dicomesh/dicom';
import { Status } from '@dicomesh/dimse';
import { QueryFailedError } from './errors.js';
import {
  keyLevel,
  LEVEL_DEPTH,
  MODEL_LEVELS,
  type Model,
  QUERY_RETRIEVE_LEVEL_TAG,
  QueryLevel,
  RETRIEVE_AE_TITLE_TAG,
  SPECIFIC_CHARACTER_SET_TAG,
  UNIQUE_KEYS,
} from './query-model.js';

/** One matchable value of a key: a single value, a wildcard pattern, or a range (open at either end). */
export type ValueCondition =
  | { readonly kind: 'single'; readonly value: string | number }
  | { readonly kind: 'wildcard'; readonly pattern: string }
  | { readonly kind: 'range'; readonly lower?: string; readonly upper?: string };

/** A key's matching: universal, any of its values (a list of UIDs, a multi-valued key), or a sequence item. */
export type Condition =
  | { readonly kind: 'universal' }
  | { readonly kind: 'any'; readonly alternatives: readonly ValueCondition[] }
  | { readonly kind: 'sequence'; readonly item: readonly QueryKey[] };

export interface QueryKey {
  /** DICOM JSON tag, `GGGGEEEE` upper case. */
  readonly tag: string;
  /** Keyword, or the hex tag for attributes the dictionary does not know. */
  readonly keyword: string;
  readonly vr: Vr;
  /** The level the key belongs to in this query (see `keyLevel`). */
  readonly level: QueryLevel;
  readonly condition: Condition;
}

export interface ParsedQuery {
  readonly model: Model;
  readonly level: QueryLevel;
  /** Specific Character Set of the request's identifier ([] for the default repertoire). */
  readonly characterSet: readonly string[];
  /** Whether the request carried Specific Character Set (0008,0005) itself. */
  readonly hasCharacterSetKey: boolean;
  /** Matching and return keys, in tag order, without Query/Retrieve Level and Specific Character Set. */
  readonly keys: readonly QueryKey[];
}

const WILDCARD = /[*?]/;
/** VRs where `*` and `?` are wildcards (C.2.2.2.4): text that is not a date, time, UID or number. */
const WILDCARD_VRS: ReadonlySet<Vr> = new Set<Vr>([
  'AE',
  'CS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'UC',
  'UR',
  'UT',
]);
const RANGE_VRS: ReadonlySet<Vr> = new Set<Vr>(['DA', 'TM', 'DT']);
/** Error Comment is LO: 64 characters at most. */
const MAX_COMMENT = 64;

function fail(status: number, comment: string, tags: readonly number[] = [], cause?: unknown): never {
  const text = comment.length <= MAX_COMMENT ? comment : `${comment.slice(0, MAX_COMMENT - 3)}...`;
  throw new QueryFailedError(status, text, tags, cause === undefined ? undefined : { cause });
}

function tagOf(key: string): { tag: string; vr: Vr } {
  const entry = lookupElement(key);
  if (entry) return { tag: tagToHex(entry.tag), vr: entry.vr ?? 'UN' };
  const t = parseTag(key);
  return { tag: t === undefined ? key.toUpperCase() : tagToHex(t), vr: 'UN' };
}

function isEmpty(value: IdentifierValue): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The values of a non-sequence key, one per value of its VM. */
function valuesOf(value: IdentifierValue): readonly (string | number)[] {
  if (value === null || value instanceof Uint8Array) return [];
  if (typeof value === 'bigint') return [Number(value)];
  if (!Array.isArray(value)) return [value as string | number];
  return (value as readonly unknown[]).map((v) =>
    typeof v === 'bigint' ? Number(v) : (v as string | number),
  );
}

function valueCondition(value: string | number, vr: Vr): ValueCondition | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : { kind: 'single', value };
  const text = value.trim();
  if (text === '') return undefined;
  if (RANGE_VRS.has(vr) && text.includes('-')) {
    const at = vr === 'DT' ? rangeHyphen(text) : text.indexOf('-');
    if (at >= 0) {
      const lower = text.slice(0, at).trim();
      const upper = text.slice(at + 1).trim();
      if (lower === '' && upper === '') return undefined;
      return {
        kind: 'range',
        ...(lower === '' ? {} : { lower }),
        ...(upper === '' ? {} : { upper }),
      };
    }
  }
  if (WILDCARD_VRS.has(vr) && WILDCARD.test(text)) {
    return /^\*+$/.test(text) ? undefined : { kind: 'wildcard', pattern: text };
  }
  return { kind: 'single', value: text };
}

/**
 * The hyphen separating a DT range: DT values may carry a negative UTC offset (`-0500`), so the separator
 * is the hyphen that does not start a 4-digit offset at the end of a value.
 */
function rangeHyphen(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '-') continue;
    const rest = text.slice(i + 1);
    const isOffset = i > 0 && /^\d{4}(?:-|$)/.test(rest) && /\d$/.test(text.slice(0, i)) && i >= 8;
    if (!isOffset) return i;
  }
  return -1;
}

function condition(
  value: IdentifierValue,
  vr: Vr,
  level: QueryLevel,
  model: Model,
  depth: number,
): Condition {
  if (isEmpty(value)) return { kind: 'universal' };
  if (vr === 'SQ') {
    const items = value as readonly Identifier[];
    const first = items[0];
    if (first === undefined) return { kind: 'universal' };
    return { kind: 'sequence', item: readKeys(first, level, model, depth + 1) };
  }
  if (value instanceof Uint8Array) return { kind: 'universal' };
  const alternatives: ValueCondition[] = [];
  for (const v of valuesOf(value)) {
    const c = valueCondition(v, vr);
    // One universal value (`*`) makes the whole key universal.
    if (c === undefined) return { kind: 'universal' };
    alternatives.push(c);
  }
  return alternatives.length === 0 ? { kind: 'universal' } : { kind: 'any', alternatives };
}

function readKeys(identifier: Identifier, level: QueryLevel, model: Model, depth: number): QueryKey[] {
  const keys: QueryKey[] = [];
  for (const [keyword, value] of Object.entries(identifier)) {
    const { tag, vr } = tagOf(keyword);
    if (depth === 0 && (tag === QUERY_RETRIEVE_LEVEL_TAG || tag === SPECIFIC_CHARACTER_SET_TAG)) continue;
    if (tag === SPECIFIC_CHARACTER_SET_TAG) continue;
    const keyLevelOf = depth === 0 ? keyLevel(tag, level, model) : level;
    keys.push({ tag, keyword, vr, level: keyLevelOf, condition: condition(value, vr, level, model, depth) });
  }
  return keys.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

function text(value: IdentifierValue | undefined): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0].trim();
  return undefined;
}

function charsetOf(value: IdentifierValue | undefined): readonly string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  return (value as readonly unknown[]).map((v) => String(v ?? ''));
}

const LEVELS: ReadonlySet<string> = new Set(Object.values(QueryLevel));
const LEVEL_TAG = Number.parseInt(QUERY_RETRIEVE_LEVEL_TAG, 16);

/** Decodes the identifier (C000 when it cannot be read). */
export function decodeQueryIdentifier(bytes: Uint8Array, transferSyntaxUid: string): Identifier {
  try {
    return decodeIdentifier(bytes, transferSyntaxUid);
  } catch (error) {
    if (error instanceof CharacterSetError)
      fail(Status.UnableToProcess, 'Specific Character Set: not supported', [], error);
    if (error instanceof DicomError) fail(Status.UnableToProcess, 'identifier: cannot be decoded', [], error);
    throw error;
  }
}

export interface ParseOptions {
  /**
   * Relational queries were negotiated (PS3.4 C.4.1.2.2): the unique keys of the levels above may be
   * absent or use any matching, like every other key of those levels. Default false: hierarchical.
   */
  readonly relational?: boolean;
}

/**
 * Reads an identifier for `model`; throws QueryFailedError (A900) when it breaks the rules of C.4.1.2.1:
 * no or an unknown Query/Retrieve Level, a level the model lacks, or (hierarchical queries only) a
 * unique key of a level above the query level missing or not a single value.
 */
export function parseQuery(identifier: Identifier, model: Model, options: ParseOptions = {}): ParsedQuery {
  const levelText = text(identifier.QueryRetrieveLevel);
  if (levelText === undefined || levelText === '') {
    fail(Status.IdentifierDoesNotMatchSopClass, 'Query/Retrieve Level (0008,0052) missing', [LEVEL_TAG]);
  }
  if (!LEVELS.has(levelText)) {
    fail(Status.IdentifierDoesNotMatchSopClass, `Query/Retrieve Level ${levelText.slice(0, 16)} unknown`, [
      LEVEL_TAG,
    ]);
  }
  const level = levelText as QueryLevel;
  const levels = MODEL_LEVELS[model];
  if (!levels.includes(level)) {
    fail(Status.IdentifierDoesNotMatchSopClass, `level ${level} not in this information model`, [LEVEL_TAG]);
  }
  const keys = readKeys(identifier, level, model, 0);
  const above = options.relational === true ? [] : levels.slice(0, levels.indexOf(level));
  for (const upper of above) {
    const unique = UNIQUE_KEYS[upper];
    const key = keys.find((k) => k.tag === unique.tag);
    const single =
      key?.condition.kind === 'any' &&
      key.condition.alternatives.length === 1 &&
      key.condition.alternatives[0]?.kind === 'single';
    if (!single) {
      fail(
        Status.IdentifierDoesNotMatchSopClass,
        `${unique.keyword} must be a single value above ${level} level`,
        [Number.parseInt(unique.tag, 16)],
      );
    }
  }
  return {
    model,
    level,
    characterSet: charsetOf(identifier.SpecificCharacterSet),
    hasCharacterSetKey: Object.hasOwn(identifier, 'SpecificCharacterSet'),
    keys,
  };
}

/** Whether a key is answered at all at `level` (keys of deeper levels are returned empty, never matched). */
export function appliesAt(key: QueryKey, level: QueryLevel): boolean {
  return LEVEL_DEPTH[key.level] <= LEVEL_DEPTH[level];
}

/** Keys the response carries without matching: Retrieve AE Title is ours to give. */
export function isMatchingKey(key: QueryKey): boolean {
  return key.tag !== RETRIEVE_AE_TITLE_TAG;
}
