/**
 * Patient names found by their beginning from an index (`SMITH^J*`, the usual search at a worklist or a
 * PACS front end): lower(patient_name) with text_pattern_ops serves `LIKE 'smith^j%'` in every
 * collation. That test sees only the first component group of the first value, so the names where a
 * match may lie further on (several values or groups, or a leading space) are indexed apart, by an
 * index on the expression that tells them (`PATIENT_NAME_BEYOND_PREFIX`), which the query repeats
 * word for word.
 */
export const version = 2;
export const name = 'patient-name-prefix';

/**
 * The patients whose name a prefix test on the whole text cannot judge (a leading space, a `=` between
 * component groups, a `\\` between values), as one regular expression: one clause, which the planner
 * matches to its index (an OR of several would be flattened into the query's own OR and lose it).
 * The query service repeats it.
 */
export const PATIENT_NAME_BEYOND_PREFIX = "(patient_name ~ '^ |[=\\\\]')";

export const statements: readonly string[] = [
  'CREATE INDEX patients_patient_name_prefix ON patients (lower(patient_name) text_pattern_ops)',
  // On the expression itself (not partial): ANALYZE then keeps its statistics, so the planner knows how
  // few names it holds and picks the indexes over a scan.
  `CREATE INDEX patients_patient_name_beyond_prefix ON patients ((${PATIENT_NAME_BEYOND_PREFIX}))`,
];
