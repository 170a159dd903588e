/**
 * The exact matching of PS3.4 C.2.2.2 on an entity's stored attributes (DICOM JSON): the index's SQL only
 * narrows the candidates, this decides. Single values are case-sensitive except person names
 * (case-insensitive by default); a multi-valued attribute matches when any of its values does; a
 * sequence matches when any of its items matches every key of the query's item.
 */
import type { DicomJsonAttribute } from '@dicomesh/dicom';
import type { Condition, QueryKey, ValueCondition } from './query-keys.js';
import { isTemporal, normalizeTemporal } from './temporal.js';

export interface MatchOptions {
  /** Person names match regardless of case (the default; PS3.4 leaves it to the SCP). */
  readonly personNameCaseInsensitive: boolean;
}

type Attributes = Readonly<Record<string, DicomJsonAttribute | undefined>>;

const PN_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;

/** Compiled patterns, shared by every row of a query (and the next queries): bounded, oldest dropped first. */
const REGEXP_CACHE_SIZE = 256;
const compiled = new Map<string, RegExp>();

/** `*` any run of characters, `?` exactly one; everything else literal. */
export function wildcardRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  const cached = compiled.get(cacheKey);
  if (cached !== undefined) return cached;
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  const regexp = new RegExp(`^${source}$`, caseInsensitive ? 'isu' : 'su');
  if (compiled.size >= REGEXP_CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  compiled.set(cacheKey, regexp);
  return regexp;
}

/** A PN component group without its trailing empty components (`DOE^JOHN^^` is `DOE^JOHN`). */
function trimGroup(group: string): string {
  return group.trim().replace(/\^+$/, '');
}

function personNameGroups(value: unknown): string[] {
  if (typeof value === 'string') return value.split('=').map(trimGroup);
  const pn = (value ?? {}) as Record<string, unknown>;
  return PN_GROUPS.map((g) => (typeof pn[g] === 'string' ? trimGroup(pn[g] as string) : ''));
}

/**
 * A PN query value against a stored name: a query with one component group matches any group of the
 * name (so a UTF-8 query for the ideographic name finds it); with several, each non-empty group matches
 * its counterpart.
 */
function matchPersonName(query: string, stored: unknown, test: (q: string, s: string) => boolean): boolean {
  const queryGroups = query.split('=').map(trimGroup);
  const storedGroups = personNameGroups(stored);
  if (queryGroups.length === 1) {
    const q = queryGroups[0] ?? '';
    return storedGroups.some((s) => s !== '' && test(q, s));
  }
  return queryGroups.every((q, i) => q === '' || test(q, storedGroups[i] ?? ''));
}

function matchValue(c: ValueCondition, vr: string, stored: unknown, options: MatchOptions): boolean {
  if (vr === 'PN') {
    const fold = options.personNameCaseInsensitive;
    if (c.kind === 'wildcard')
      return matchPersonName(c.pattern, stored, (q, s) => wildcardRegExp(q, fold).test(s));
    if (c.kind === 'single') {
      return matchPersonName(String(c.value), stored, (q, s) =>
        fold ? q.toLowerCase() === s.toLowerCase() : q === s,
      );
    }
    return false;
  }
  if (stored === null || stored === undefined) return false;
  if (c.kind === 'wildcard') return wildcardRegExp(c.pattern, false).test(String(stored).trim());
  if (isTemporal(vr)) {
    const value = normalizeTemporal(vr, String(stored));
    if (c.kind === 'single') return value === normalizeTemporal(vr, String(c.value));
    return (
      (c.lower === undefined || value >= normalizeTemporal(vr, c.lower, '0')) &&
      (c.upper === undefined || value <= normalizeTemporal(vr, c.upper, '9'))
    );
  }
  if (c.kind !== 'single') return false;
  if (typeof c.value === 'number' || typeof stored === 'number') return Number(stored) === Number(c.value);
  if (vr === 'AT') return String(stored).toUpperCase() === c.value.toUpperCase();
  return String(stored).trim() === c.value;
}

function matchCondition(
  condition: Condition,
  vr: string,
  attribute: DicomJsonAttribute | undefined,
  options: MatchOptions,
): boolean {
  switch (condition.kind) {
    case 'universal':
      return true;
    case 'sequence': {
      if (condition.item.every((k) => k.condition.kind === 'universal')) return true;
      const items = (attribute?.Value ?? []) as readonly Attributes[];
      return items.some((item) => matchesAll(condition.item, item, options));
    }
    case 'any': {
      const values = attribute?.Value ?? [];
      return values.some((v) => condition.alternatives.some((c) => matchValue(c, vr, v, options)));
    }
  }
}

export function matchesKey(key: QueryKey, attributes: Attributes, options: MatchOptions): boolean {
  return matchCondition(key.condition, key.vr, attributes[key.tag], options);
}

export function matchesAll(
  keys: readonly QueryKey[],
  attributes: Attributes,
  options: MatchOptions,
): boolean {
  return keys.every((key) => matchesKey(key, attributes, options));
}
