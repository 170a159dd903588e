/**
 * The instances a retrieve sends: one indexed query joining the hierarchy, with the unique key of each
 * level present as `= ANY($n)`, ordered by study, series and instance number. More than 65535 matches
 * cannot be counted in a US field, so they are refused (A701) before anything is sent.
 */
import type { BlobKey, SqlClient } from '@dicomesh/archive';
import { RetrieveFailedError } from './errors.js';
import { type RetrieveKeys, UNIQUE_KEY } from './retrieve-keys.js';
import { MAX_SUB_OPERATIONS, RetrieveStatus } from './retrieve-status.js';

export interface RetrievableInstance {
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
  readonly blobKey: BlobKey;
  /** Where the data set starts in the blob (after the Part 10 meta header). */
  readonly dataSetOffset: number;
  /** Bytes of the blob (meta header included). */
  readonly size: number;
}

interface InstanceRow {
  sop_instance_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  blob_key: string;
  data_set_offset: string | number;
  size: string | number;
}

export interface RetrieveSql {
  readonly text: string;
  readonly params: readonly unknown[];
}

export function buildRetrieveSql(keys: RetrieveKeys, limit = MAX_SUB_OPERATIONS + 1): RetrieveSql {
  const params: unknown[] = [];
  const where = keys.conditions.map((condition) => {
    params.push([...condition.values]);
    return `${UNIQUE_KEY[condition.level].column} = ANY($${params.length}::text[])`;
  });
  params.push(limit);
  const text = `SELECT i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax_uid, i.blob_key, i.data_set_offset, i.size
FROM instances i
JOIN series se ON se.id = i.series_fk
JOIN studies st ON st.id = se.study_fk
JOIN patients p ON p.id = st.patient_fk
WHERE ${where.join(' AND ')}
ORDER BY st.id, se.id, i.instance_number NULLS LAST, i.id
LIMIT $${params.length}`;
  return { text, params };
}

export async function resolveInstances(sql: SqlClient, keys: RetrieveKeys): Promise<RetrievableInstance[]> {
  const query = buildRetrieveSql(keys);
  const { rows } = await sql.query<InstanceRow>(query.text, query.params);
  if (rows.length > MAX_SUB_OPERATIONS) {
    throw new RetrieveFailedError(
      RetrieveStatus.UnableToCalculateMatches,
      `more than ${MAX_SUB_OPERATIONS} instances: retrieve a narrower level`,
    );
  }
  return rows.map((row) => ({
    sopInstanceUid: row.sop_instance_uid,
    sopClassUid: row.sop_class_uid,
    transferSyntaxUid: row.transfer_syntax_uid,
    blobKey: row.blob_key as BlobKey,
    dataSetOffset: Number(row.data_set_offset),
    size: Number(row.size),
  }));
}
