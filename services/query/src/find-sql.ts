/**
 * The SELECT of one C-FIND: the query level's table joined with the levels above it, the narrowing
 * conditions of every key, the projection of just the requested attributes out of each level's
 * `attributes` jsonb (and of a representative instance for attributes the index keeps only with
 * instances), the computed keys as subqueries, and keyset pagination on the level's id so that each
 * batch is a short statement of its own (no transaction held open while the SCU reads).
 */

import { isIndexedKey, keyCondition, SqlParams } from './key-conditions.js';
import { appliesAt, type ParsedQuery, type QueryKey } from './query-keys.js';
import {
  ComputedKey,
  isComputedKey,
  LEVEL_DEPTH,
  LEVELS_BY_DEPTH,
  LevelTable,
  type QueryLevel,
  storedLevel,
} from './query-model.js';

/** jsonb_build_object takes at most 100 arguments: 50 attributes per call, concatenated. */
const PAIRS_PER_CALL = 50;
const TAG = /^[0-9A-F]{8}$/;

/** Column of each level's unique key, selected as `u<depth>`. */
const UNIQUE_COLUMNS: readonly string[] = [
  'patient_id',
  'study_instance_uid',
  'series_instance_uid',
  'sop_instance_uid',
];

export interface FindSql {
  /** The SELECT; its last two placeholders are the keyset (`id >`) and the batch size. */
  readonly text: string;
  readonly params: readonly unknown[];
  /** Placeholders of the keyset id and the limit. */
  readonly afterIdPlaceholder: number;
  readonly limitPlaceholder: number;
  /** Depth of the query level: the row's `a0`..`a<depth>` are the projected attributes of each level. */
  readonly depth: number;
  /** Computed keys selected as `c<tag>`. */
  readonly computed: readonly ComputedKey[];
  /** Whether `rep` (attributes of a representative instance) is selected. */
  readonly representative: boolean;
  /**
   * Whether one plan serves every parameter value (only equalities narrow): the statement may then be
   * prepared and its generic plan reused. Ranges and patterns need a plan per value (the index range
   * of a date range or a LIKE prefix is known only from the value).
   */
  readonly planCacheable: boolean;
  /**
   * Patient conditions no index serves (person names, jsonb), run once before the batches: their patient
   * ids go into the main query's placeholder `idsPlaceholder` (as a `{1,2}` text), so that the planner
   * starts from those patients instead of walking the level's table in id order.
   */
  readonly patientPrefilter?: {
    readonly text: string;
    readonly params: readonly unknown[];
    readonly idsPlaceholder: number;
    readonly planCacheable: boolean;
  };
}

export interface FindSqlOptions {
  readonly personNameCaseInsensitive: boolean;
}

/** Depth of the table that stores a tag: its level's list, else the instances. */
function locationDepth(tag: string): number {
  const level = storedLevel(tag);
  return level === undefined ? 3 : LEVEL_DEPTH[level];
}

function projection(alias: string, tags: readonly string[]): string {
  const valid = [...new Set(tags)].filter((t) => TAG.test(t));
  if (valid.length === 0) return "'{}'::jsonb";
  const calls: string[] = [];
  for (let i = 0; i < valid.length; i += PAIRS_PER_CALL) {
    const pairs = valid.slice(i, i + PAIRS_PER_CALL).map((t) => `'${t}', ${alias}.attributes -> '${t}'`);
    calls.push(`jsonb_build_object(${pairs.join(', ')})`);
  }
  return calls.join(' || ');
}

const COMPUTED_SQL: Readonly<Record<ComputedKey, string>> = {
  [ComputedKey.NumberOfPatientRelatedStudies]: '(SELECT count(*) FROM studies x WHERE x.patient_fk = p.id)',
  [ComputedKey.NumberOfPatientRelatedSeries]:
    '(SELECT count(*) FROM series x JOIN studies y ON y.id = x.study_fk WHERE y.patient_fk = p.id)',
  [ComputedKey.NumberOfPatientRelatedInstances]:
    '(SELECT count(*) FROM instances x JOIN series y ON y.id = x.series_fk JOIN studies z ON z.id = y.study_fk WHERE z.patient_fk = p.id)',
  [ComputedKey.NumberOfStudyRelatedSeries]: '(SELECT count(*) FROM series x WHERE x.study_fk = st.id)',
  [ComputedKey.NumberOfStudyRelatedInstances]:
    '(SELECT count(*) FROM instances x JOIN series y ON y.id = x.series_fk WHERE y.study_fk = st.id)',
  [ComputedKey.NumberOfSeriesRelatedInstances]:
    '(SELECT count(*) FROM instances x WHERE x.series_fk = se.id)',
  [ComputedKey.ModalitiesInStudy]:
    'ARRAY(SELECT DISTINCT x.modality FROM series x WHERE x.study_fk = st.id AND x.modality IS NOT NULL ORDER BY 1)',
  [ComputedKey.SopClassesInStudy]:
    'ARRAY(SELECT DISTINCT x.sop_class_uid FROM instances x JOIN series y ON y.id = x.series_fk WHERE y.study_fk = st.id ORDER BY 1)',
};

/** The first instance of the entity at `depth`, for attributes kept only with instances. */
const REPRESENTATIVE_FROM: readonly string[] = [
  'instances r JOIN series rs ON rs.id = r.series_fk JOIN studies rt ON rt.id = rs.study_fk WHERE rt.patient_fk = p.id',
  'instances r JOIN series rs ON rs.id = r.series_fk WHERE rs.study_fk = st.id',
  'instances r WHERE r.series_fk = se.id',
];

const JOINS: readonly string[] = [
  '',
  'JOIN patients p ON p.id = st.patient_fk',
  'JOIN studies st ON st.id = se.study_fk',
  'JOIN series se ON se.id = i.series_fk',
];

/** A key narrowed by a range or a pattern: the best plan depends on its value. */
function valueDependentPlan(key: QueryKey): boolean {
  return key.condition.kind === 'any' && key.condition.alternatives.some((c) => c.kind !== 'single');
}

/** The keys of the query that are answered at its level (deeper keys come back empty). */
export function applicableKeys(query: ParsedQuery): QueryKey[] {
  return query.keys.filter((k) => appliesAt(k, query.level));
}

export function buildFindSql(query: ParsedQuery, options: FindSqlOptions): FindSql {
  const depth = LEVEL_DEPTH[query.level];
  const level: QueryLevel = query.level;
  const own = LevelTable[level];
  const params = new SqlParams();
  const keys = applicableKeys(query);

  const tagsByDepth: string[][] = [[], [], [], []];
  const representativeTags: string[] = [];
  const computed: ComputedKey[] = [];
  const conditions: string[] = [];
  const patientParams = new SqlParams();
  const patientConditions: string[] = [];
  let planCacheable = true;
  let patientPlanCacheable = true;
  for (const key of keys) {
    if (isComputedKey(key.tag)) {
      computed.push(key.tag);
    } else {
      const at = locationDepth(key.tag);
      if (at <= depth) tagsByDepth[at]!.push(key.tag);
      else representativeTags.push(key.tag);
    }
    const at = isComputedKey(key.tag) ? LEVEL_DEPTH[key.level] : locationDepth(key.tag);
    if (at > depth) continue; // a representative instance's attribute: the matcher alone decides
    const alias = LevelTable[LEVELS_BY_DEPTH[at]!].alias;
    if (at === 0 && depth > 0 && !isIndexedKey(key, alias)) {
      const condition = keyCondition(key, alias, patientParams, options.personNameCaseInsensitive);
      if (condition !== undefined) {
        patientConditions.push(condition);
        if (valueDependentPlan(key)) patientPlanCacheable = false;
      }
      continue;
    }
    const condition = keyCondition(key, alias, params, options.personNameCaseInsensitive);
    if (condition !== undefined) {
      conditions.push(condition);
      if (valueDependentPlan(key)) planCacheable = false;
    }
  }
  let patientPrefilter: FindSql['patientPrefilter'];
  if (patientConditions.length > 0) {
    const ids = params.add('{}');
    conditions.push(`p.id = ANY(${ids}::text::bigint[])`);
    patientPrefilter = {
      text: `SELECT p.id FROM patients p WHERE ${patientConditions.join(' AND ')}`,
      params: patientParams.values,
      idsPlaceholder: params.values.length,
      planCacheable: patientPlanCacheable,
    };
  }

  const select = [`${own.alias}.id AS row_id`];
  const joins = [`FROM ${own.table} ${own.alias}`];
  for (let d = depth; d >= 0; d--) {
    const { alias } = LevelTable[LEVELS_BY_DEPTH[d]!];
    select.push(`${alias}.${UNIQUE_COLUMNS[d]} AS u${d}`, `${projection(alias, tagsByDepth[d]!)} AS a${d}`);
    if (d < depth) joins.push(JOINS[d + 1]!);
  }
  const representative = representativeTags.length > 0 && depth < 3;
  if (representative) {
    select.push(
      `(SELECT ${projection('r', representativeTags)} FROM ${REPRESENTATIVE_FROM[depth]} ORDER BY r.id LIMIT 1) AS rep`,
    );
  }
  for (const tag of computed) select.push(`${COMPUTED_SQL[tag]} AS c${tag}`);

  const afterId = params.add(0);
  const limit = params.add(1);
  conditions.push(`${own.alias}.id > ${afterId}::bigint`);
  const text = `SELECT ${select.join(', ')} ${joins.join(' ')} WHERE ${conditions.join(' AND ')} ORDER BY ${own.alias}.id LIMIT ${limit}::integer`;
  return {
    text,
    params: params.values,
    afterIdPlaceholder: params.values.length - 1,
    limitPlaceholder: params.values.length,
    depth,
    computed,
    representative,
    planCacheable,
    ...(patientPrefilter === undefined ? {} : { patientPrefilter }),
  };
}
