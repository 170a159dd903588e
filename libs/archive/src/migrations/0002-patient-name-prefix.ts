/**
 * Patient names found by their beginning from an index (`SMITH^J*`, the usual search at a worklist or a
 * PACS front end): lower(patient_name) with text_pattern_ops serves `LIKE 'smith^j%'` in every
 * collation. That test sees only the first component group of the first value, so the names where a
 * match may lie further on (several values or groups, or a leading space) are indexed apart, by a
 * partial index whose predicate the query repeats word for word (`PATIENT_NAME_BEYOND_PREFIX`).
 */
export const version = 2;
export const name = 'patient-name-prefix';

/** The patients whose name a prefix test on the whole text cannot judge; the query service repeats it. */
export const PATIENT_NAME_BEYOND_PREFIX =
  "(strpos(patient_name, '=') > 0 OR strpos(patient_name, '\\') > 0 OR patient_name LIKE ' %')";

export const statements: readonly string[] = [
  'CREATE INDEX patients_patient_name_prefix ON patients (lower(patient_name) text_pattern_ops)',
  `CREATE INDEX patients_patient_name_beyond_prefix ON patients (id) WHERE ${PATIENT_NAME_BEYOND_PREFIX}`,
];
