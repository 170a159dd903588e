/**
 * One candidate row of the index becomes a match or not: its attributes (each level's projection, the
 * representative instance's, the unique keys' columns and the computed keys) are matched exactly, and
 * a match becomes the response identifier with exactly the requested keys, the unique keys of its
 * level and those above, Query/Retrieve Level and Retrieve AE Title, encoded in the request's transfer
 * syntax and in its character set when that can carry the values (else UTF-8, ISO_IR 192).
 */
import {
  CharacterSetError,
  type DicomJson,
  type DicomJsonAttribute,
  encodeIdentifier,
  fromDicomJson,
  type Identifier,
  type IdentifierValue,
  type Vr,
} from '@dicomesh/dicom';
import { type MatchOptions, matchesAll } from './attribute-matcher.js';
import type { FindRow } from './find-cursor.js';
import { applicableKeys, type FindSql } from './find-sql.js';
import { isMatchingKey, type ParsedQuery, type QueryKey } from './query-keys.js';
import { ComputedKey, LEVELS_BY_DEPTH, MODEL_LEVELS, UNIQUE_KEYS } from './query-model.js';

const UTF8 = 'ISO_IR 192';
const UNIQUE_KEY_VR: Vr = 'LO';

export interface ResponseOptions extends MatchOptions {
  /** Retrieve AE Title (0008,0054) of every match: where to C-MOVE/C-GET it from (our AE title). */
  readonly retrieveAeTitle: string;
  readonly transferSyntaxUid: string;
}

type Attributes = Record<string, DicomJsonAttribute | undefined>;

function jsonOf(value: unknown): Attributes {
  if (value === null || value === undefined) return {};
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  const out: Attributes = {};
  for (const [tag, attribute] of Object.entries(parsed as Record<string, unknown>)) {
    if (attribute !== null && typeof attribute === 'object') out[tag] = attribute as DicomJsonAttribute;
  }
  return out;
}

function computedAttribute(tag: ComputedKey, value: unknown): DicomJsonAttribute {
  if (tag === ComputedKey.ModalitiesInStudy) return { vr: 'CS', Value: arrayOf(value) };
  if (tag === ComputedKey.SopClassesInStudy) return { vr: 'UI', Value: arrayOf(value) };
  return { vr: 'IS', Value: [Number(value ?? 0)] };
}

/** text[] as pg gives it (an array) or as text (`{CT,MR}`). */
function arrayOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('{')) {
    const inner = value.slice(1, -1);
    return inner === '' ? [] : inner.split(',').map((v) => v.replace(/^"|"$/g, ''));
  }
  return [];
}

/** Every attribute the row knows, by DICOM JSON tag. */
export function rowAttributes(row: FindRow, sql: FindSql): Attributes {
  const attributes: Attributes = sql.representative ? jsonOf(row.rep) : {};
  for (let d = 0; d <= sql.depth; d++) {
    for (const [tag, attribute] of Object.entries(jsonOf(row[`a${d}`]))) {
      if (attribute !== undefined) attributes[tag] = attribute;
    }
    const unique = UNIQUE_KEYS[LEVELS_BY_DEPTH[d]!];
    const value = row[`u${d}`];
    if (typeof value === 'string' && value !== '' && attributes[unique.tag] === undefined) {
      attributes[unique.tag] = { vr: d === 0 ? UNIQUE_KEY_VR : 'UI', Value: [value] };
    }
  }
  for (const tag of sql.computed) attributes[tag] = computedAttribute(tag, row[`c${tag}`]);
  return attributes;
}

/** A stored sequence restricted to the sub-keys the query's item asked for (all of it when it asked none). */
function restrictSequence(key: QueryKey, attribute: DicomJsonAttribute): DicomJsonAttribute {
  if (key.condition.kind !== 'sequence' || key.condition.item.length === 0) return attribute;
  const subKeys = key.condition.item;
  const items = (attribute.Value ?? []) as readonly Attributes[];
  return {
    vr: 'SQ',
    Value: items.map((item) => {
      const out: Attributes = {};
      for (const sub of subKeys) {
        const value = item[sub.tag];
        out[sub.tag] =
          value === undefined ? { vr: sub.vr } : sub.vr === 'SQ' ? restrictSequence(sub, value) : value;
      }
      return out;
    }),
  };
}

function responseValue(key: QueryKey, attribute: DicomJsonAttribute | undefined): IdentifierValue {
  if (attribute === undefined) return null;
  const restricted = key.vr === 'SQ' ? restrictSequence(key, attribute) : attribute;
  const json: DicomJson = { [key.tag]: restricted };
  return Object.values(fromDicomJson(json))[0] ?? null;
}

/** What every row of a query needs, worked out once per query. */
interface QueryPlan {
  readonly applicable: ReadonlySet<QueryKey>;
  readonly matching: readonly QueryKey[];
}
const plans = new WeakMap<ParsedQuery, QueryPlan>();

function planOf(query: ParsedQuery): QueryPlan {
  let plan = plans.get(query);
  if (plan === undefined) {
    const applicable = applicableKeys(query);
    plan = { applicable: new Set(applicable), matching: applicable.filter(isMatchingKey) };
    plans.set(query, plan);
  }
  return plan;
}

/** The response identifier of a matching row (before encoding), keyed by keyword. */
export function responseIdentifier(
  query: ParsedQuery,
  attributes: Attributes,
  retrieveAeTitle: string,
): Identifier {
  const identifier: Identifier = {};
  const { applicable } = planOf(query);
  for (const key of query.keys) {
    identifier[key.keyword] = applicable.has(key) ? responseValue(key, attributes[key.tag]) : null;
  }
  const levels = MODEL_LEVELS[query.model];
  for (const level of levels.slice(0, levels.indexOf(query.level) + 1)) {
    const unique = UNIQUE_KEYS[level];
    const key: QueryKey = { ...unique, vr: UNIQUE_KEY_VR, level, condition: { kind: 'universal' } };
    identifier[unique.keyword] = responseValue(key, attributes[unique.tag]);
  }
  identifier.QueryRetrieveLevel = query.level;
  identifier.RetrieveAETitle = retrieveAeTitle;
  return identifier;
}

/**
 * Encodes a response: in the query's own character set when every value fits it (a query without one
 * gets none back when the values are ASCII), else in UTF-8 with Specific Character Set ISO_IR 192.
 */
export function encodeResponse(
  query: ParsedQuery,
  identifier: Identifier,
  transferSyntaxUid: string,
  vrs: Readonly<Record<string, Vr>> = {},
): Buffer {
  const own: Identifier = { ...identifier };
  if (query.characterSet.length > 0) own.SpecificCharacterSet = [...query.characterSet];
  else if (query.hasCharacterSetKey) own.SpecificCharacterSet = null;
  else delete own.SpecificCharacterSet;
  try {
    return Buffer.from(encodeIdentifier(own, transferSyntaxUid, { vrs }));
  } catch (error) {
    if (!(error instanceof CharacterSetError)) throw error;
  }
  return Buffer.from(
    encodeIdentifier({ ...identifier, SpecificCharacterSet: UTF8 }, transferSyntaxUid, { vrs }),
  );
}

/** The encoded match of a row, or undefined when the row does not match. */
export function matchRow(
  query: ParsedQuery,
  sql: FindSql,
  row: FindRow,
  options: ResponseOptions,
): Buffer | undefined {
  const attributes = rowAttributes(row, sql);
  if (!matchesAll(planOf(query).matching, attributes, options)) return undefined;
  const vrs: Record<string, Vr> = {};
  for (const key of query.keys) {
    if (key.keyword === key.tag) vrs[key.keyword] = attributes[key.tag]?.vr ?? key.vr;
  }
  const identifier = responseIdentifier(query, attributes, options.retrieveAeTitle);
  return encodeResponse(query, identifier, options.transferSyntaxUid, vrs);
}
