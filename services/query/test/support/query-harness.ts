/**
 * What every query test stands on: an index (a real PostgreSQL, or PGlite) migrated and filled through
 * `createArchiveIndex(...).storeInstance` as storage fills it, the Query gRPC server in process, and a
 * `find` that sends an identifier the way the gateway does and collects the stream.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlobKey,
  createArchiveIndex,
  createPgClient,
  createPgliteClient,
  type InstanceRecord,
  migrate,
  type SqlClient,
} from '@dicomesh/archive';
import {
  type DicomJson,
  decodeIdentifier,
  encodeIdentifier,
  type Identifier,
  TransferSyntaxUid,
  toDicomJson,
} from '@dicomesh/dicom';
import { createClient, type FindFinal, FindRequest, InformationModel, QueryClient } from '@dicomesh/rpc';
import { type PostgresServer, startPostgres } from '../../../../test/support/postgres.js';
import { type QueryServerHandle, type QueryServerOptions, startQueryServer } from '../../src/index.js';

export type BackendName = 'postgresql' | 'pglite';
export const BACKENDS: readonly BackendName[] = ['postgresql', 'pglite'];

export interface TestIndex {
  readonly sql: SqlClient;
  /** Stores each record as storage does (one transaction each), `concurrency` at a time (default 1). */
  store(records: readonly InstanceRecord[], concurrency?: number): Promise<void>;
  dispose(): Promise<void>;
}

let databases = 0;

export async function openIndex(backend: BackendName, postgres?: PostgresServer): Promise<TestIndex> {
  let sql: SqlClient;
  let cleanup: () => Promise<void>;
  if (backend === 'postgresql') {
    if (!postgres) throw new Error('PostgreSQL server required');
    const name = `query_test_${process.pid}_${++databases}`;
    const admin = createPgClient(postgres.url, { max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.close();
    const url = new URL(postgres.url);
    url.pathname = `/${name}`;
    sql = createPgClient(url.toString());
    cleanup = () => sql.close();
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'dicomesh-query-pglite-'));
    sql = await createPgliteClient(dir);
    cleanup = async () => {
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    };
  }
  await migrate(sql);
  const index = createArchiveIndex(sql);
  return {
    sql,
    async store(records, concurrency = 1) {
      let next = 0;
      const worker = async () => {
        while (next < records.length) {
          const record = records[next++]!;
          await index.storeInstance(
            record,
            {
              subject: 'dicomesh.v1.instance.stored',
              msgId: record.sopInstanceUid,
              payload: {},
              headers: {},
            },
            { overwrite: false },
          );
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
    dispose: () => cleanup(),
  };
}

export { type PostgresServer, startPostgres };

/**
 * An instance as storage would index it, from its top-level attributes (keyword -> value); `json` is
 * its DICOM JSON when it is not simply theirs (as storage's parser gives it).
 */
export function record(attributes: Identifier, json: DicomJson = toDicomJson(attributes)): InstanceRecord {
  const text = (k: string) => {
    const v = attributes[k];
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v.join('\\') : String(v);
  };
  const int = (k: string) => (typeof attributes[k] === 'number' ? (attributes[k] as number) : undefined);
  const optional = Object.fromEntries(
    Object.entries({
      patientName: text('PatientName'),
      patientBirthDate: text('PatientBirthDate'),
      patientSex: text('PatientSex'),
      studyDate: text('StudyDate'),
      studyTime: text('StudyTime'),
      accessionNumber: text('AccessionNumber'),
      studyId: text('StudyID'),
      studyDescription: text('StudyDescription'),
      referringPhysicianName: text('ReferringPhysicianName'),
      modality: text('Modality'),
      seriesNumber: int('SeriesNumber'),
      seriesDescription: text('SeriesDescription'),
      instanceNumber: int('InstanceNumber'),
      specificCharacterSet: text('SpecificCharacterSet'),
    }).filter(([, v]) => v !== undefined),
  );
  return {
    patientId: text('PatientID') ?? '',
    studyInstanceUid: text('StudyInstanceUID')!,
    seriesInstanceUid: text('SeriesInstanceUID')!,
    sopInstanceUid: text('SOPInstanceUID')!,
    sopClassUid: text('SOPClassUID')!,
    transferSyntaxUid: TransferSyntaxUid.ExplicitVrLittleEndian,
    attributes: json,
    blobKey: `test/${text('SOPInstanceUID')}` as BlobKey,
    size: 1,
    sha256: '0'.repeat(64),
    dataSetOffset: 0,
    sourceAeTitle: 'TESTSCU',
    ...optional,
  };
}

export interface FindResult {
  readonly matches: Identifier[];
  readonly final: FindFinal | undefined;
}

export interface QueryHarness {
  readonly server: QueryServerHandle;
  readonly client: QueryClient;
  find(
    model: 'patient' | 'study',
    identifier: Identifier,
    transferSyntaxUid?: string,
    options?: { relationalQueries?: boolean },
  ): Promise<FindResult>;
  close(): Promise<void>;
}

export async function startHarness(
  sql: SqlClient,
  options: Partial<QueryServerOptions> = {},
): Promise<QueryHarness> {
  const server = await startQueryServer({
    host: '127.0.0.1',
    port: 0,
    sql,
    shutdownGraceMs: 1_000,
    ...options,
  });
  const client = createClient(QueryClient, `127.0.0.1:${server.port}`);
  return {
    server,
    client,
    async find(
      model,
      identifier,
      transferSyntaxUid = TransferSyntaxUid.ExplicitVrLittleEndian,
      options = {},
    ) {
      const request = FindRequest.fromPartial({
        context: {
          associationId: 'test',
          callingAeTitle: 'FINDSCU',
          calledAeTitle: 'DICOMESH',
          messageId: 1,
        },
        informationModel:
          model === 'patient'
            ? InformationModel.INFORMATION_MODEL_PATIENT_ROOT
            : InformationModel.INFORMATION_MODEL_STUDY_ROOT,
        queryRetrieveLevel: String(identifier.QueryRetrieveLevel ?? ''),
        identifier: Buffer.from(encodeIdentifier(identifier, transferSyntaxUid)),
        transferSyntaxUid,
        relationalQueries: options.relationalQueries ?? false,
      });
      const matches: Identifier[] = [];
      let final: FindFinal | undefined;
      for await (const response of client.find(request)) {
        const part = (response as { part?: { $case: string; value: unknown } }).part;
        if (part?.$case === 'match') {
          matches.push(
            decodeIdentifier((part.value as { identifier: Buffer }).identifier, transferSyntaxUid),
          );
        } else if (part?.$case === 'final') {
          final = part.value as FindFinal;
        }
      }
      return { matches, final };
    },
    async close() {
      client.close();
      await server.close();
    },
  };
}
