/**
 * Relational queries (PS3.4 C.4.1.2.2): agreed through SOP class extended negotiation (C.5.1.1 byte 0),
 * they lift the unique-key rule above the query level, so keys of any level at or above it match with
 * any matching type. Without the agreement the hierarchical rules hold (A900). Against PostgreSQL and
 * PGlite through the Query service, and over a real association through the gateway's session and
 * find handler, answered by the gateway's negotiation function.
 */

import { decodeIdentifier, encodeIdentifier, type Identifier } from '@dicomesh/dicom';
import { type Association, createAcceptor, requestAssociation } from '@dicomesh/dicom-ul';
import { DimseClient, QueryRetrieveSopClass } from '@dicomesh/dimse';
import { connectBackends, gatewayMetrics, presentationPolicy } from '@dicomesh/gateway';
import { createLogger } from '@dicomesh/telemetry';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAssociationSession } from '../../gateway/src/association-session.js';
import { findExtendedNegotiation } from '../../gateway/src/find-handler.js';
import { archive, UID } from './support/fixtures.js';
import {
  BACKENDS,
  type FindResult,
  openIndex,
  type PostgresServer,
  type QueryHarness,
  startHarness,
  startPostgres,
  type TestIndex,
} from './support/query-harness.js';

const SUCCESS = 0x0000;
const IDENTIFIER_DOES_NOT_MATCH = 0xa900;
const RELATIONAL = { relationalQueries: true };
const AE_TITLE = 'DICOMESH';

function values(result: FindResult, keyword: string): string[] {
  return result.matches.map((m) => String(m[keyword])).sort();
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres.dispose();
});

describe.each(BACKENDS)('relational C-FIND on %s', (backend) => {
  let index: TestIndex;
  let harness: QueryHarness;

  beforeAll(async () => {
    index = await openIndex(backend, postgres);
    await index.store(archive());
    harness = await startHarness(index.sql);
  });
  afterAll(async () => {
    await harness?.close();
    await index?.dispose();
  });

  it('SERIES without the study above, matched on patient and series keys', async () => {
    const identifier: Identifier = {
      QueryRetrieveLevel: 'SERIES',
      PatientName: 'doe*',
      Modality: 'CT',
      SeriesInstanceUID: null,
    };
    const result = await harness.find('study', identifier, undefined, RELATIONAL);
    expect(result.final?.status).toBe(SUCCESS);
    expect(values(result, 'SeriesInstanceUID')).toEqual([UID.series1, UID.series3]);
    const first = result.matches.find((m) => m.SeriesInstanceUID === UID.series1)!;
    // The unique keys of the levels above come back even though they were not asked.
    expect(first.StudyInstanceUID).toBe(UID.study1);
    expect(first.PatientName).toBe('DOE^JOHN');
    expect(first.QueryRetrieveLevel).toBe('SERIES');

    const hierarchical = await harness.find('study', identifier);
    expect(hierarchical.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
    expect(hierarchical.final?.offendingElements).toEqual([0x0020000d]);
    expect(hierarchical.matches).toHaveLength(0);
  });

  it('IMAGE (Patient Root) from a study date range and a modality alone', async () => {
    const result = await harness.find(
      'patient',
      { QueryRetrieveLevel: 'IMAGE', StudyDate: '20200101-20201231', Modality: 'CT', SOPInstanceUID: null },
      undefined,
      RELATIONAL,
    );
    expect(result.final?.status).toBe(SUCCESS);
    expect(values(result, 'SOPInstanceUID')).toEqual([
      `${UID.series1}.1`,
      `${UID.series1}.2`,
      `${UID.series5}.1`,
      `${UID.series5}.2`,
    ]);
    for (const m of result.matches) {
      expect(Object.keys(m).sort()).toEqual(
        [
          'Modality',
          'PatientID',
          'QueryRetrieveLevel',
          'RetrieveAETitle',
          'SOPInstanceUID',
          'SeriesInstanceUID',
          'StudyDate',
          'StudyInstanceUID',
        ].sort(),
      );
    }
  });

  it('unique keys above the level as lists and wildcards', async () => {
    const byStudies = await harness.find(
      'study',
      { QueryRetrieveLevel: 'SERIES', StudyInstanceUID: [UID.study1, UID.study3], SeriesInstanceUID: null },
      undefined,
      RELATIONAL,
    );
    expect(values(byStudies, 'SeriesInstanceUID')).toEqual([UID.series1, UID.series2, UID.series4]);

    const byPatients = await harness.find(
      'patient',
      { QueryRetrieveLevel: 'STUDY', PatientID: 'PID?', PatientSex: 'F', StudyID: null },
      undefined,
      RELATIONAL,
    );
    expect(byPatients.final?.status).toBe(SUCCESS);
    expect(values(byPatients, 'StudyID')).toEqual(['S3']);
    expect(byPatients.matches[0]?.PatientID).toBe('PID2');
  });

  it('the level itself is still required', async () => {
    const result = await harness.find('study', { StudyInstanceUID: null }, undefined, RELATIONAL);
    expect(result.final?.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
  });
});

describe('relational queries negotiated on the association', () => {
  const FIND = QueryRetrieveSopClass.StudyRootFind;
  let index: TestIndex;
  let harness: QueryHarness;
  let acceptor: ReturnType<typeof createAcceptor>;
  let port: number;
  const backends = () =>
    connectBackends({
      verificationUrl: '127.0.0.1:1',
      storageUrl: '127.0.0.1:1',
      queryUrl: `127.0.0.1:${harness.server.port}`,
      deadlineMs: 5_000,
    });

  beforeAll(async () => {
    index = await openIndex('postgresql', postgres);
    await index.store(archive());
    harness = await startHarness(index.sql);
    const deps = {
      backends: backends(),
      tracer: trace.getTracer('relational-test'),
      metrics: gatewayMetrics(),
      logger: createLogger('gateway'),
    };
    acceptor = createAcceptor({
      aeTitle: AE_TITLE,
      transferSyntaxesFor: presentationPolicy({ acceptUnknownSopClasses: false }),
      extendedNegotiation: findExtendedNegotiation,
      onAssociation: (association) => startAssociationSession(association, deps),
    });
    port = (await acceptor.listen(0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    await acceptor?.close();
    await harness?.close();
    await index?.dispose();
  });

  async function associate(extended: readonly { sopClassUid: string; info: Buffer }[]): Promise<Association> {
    return requestAssociation({
      host: '127.0.0.1',
      port,
      callingAeTitle: 'RELSCU',
      calledAeTitle: AE_TITLE,
      presentationContexts: [{ abstractSyntax: FIND, transferSyntaxes: ['1.2.840.10008.1.2.1'] }],
      extendedNegotiation: extended,
    });
  }

  async function seriesWithoutStudy(association: Association) {
    const client = new DimseClient(association);
    const identifier: Identifier = { QueryRetrieveLevel: 'SERIES', Modality: 'US', SeriesInstanceUID: null };
    const op = await client.find('study', (ts) => Buffer.from(encodeIdentifier(identifier, ts)));
    const matches: Identifier[] = [];
    for await (const match of op) {
      if (match.identifier) matches.push(decodeIdentifier(match.identifier, op.transferSyntaxUid));
    }
    return { matches, final: await op.result };
  }

  it('agreed when asked (byte 0 = 1): relational rules on that association', async () => {
    // Relational, combined date-time and fuzzy person names asked: only the first is agreed.
    const association = await associate([{ sopClassUid: FIND, info: Buffer.from([1, 1, 1]) }]);
    try {
      expect(association.negotiated.extendedNegotiation.get(FIND)).toEqual(Buffer.from([1, 0, 0]));
      const { matches, final } = await seriesWithoutStudy(association);
      expect(final.status).toBe(SUCCESS);
      expect(matches.map((m) => m.SeriesInstanceUID)).toEqual([UID.series4]);
      expect(matches[0]?.StudyInstanceUID).toBe(UID.study3);
    } finally {
      await association.release();
    }
  });

  it('not asked, or asked as 0: hierarchical rules (A900)', async () => {
    for (const extended of [[], [{ sopClassUid: FIND, info: Buffer.from([0]) }]]) {
      const association = await associate(extended);
      try {
        expect(association.negotiated.extendedNegotiation.get(FIND)?.[0] ?? 0).toBe(0);
        const { matches, final } = await seriesWithoutStudy(association);
        expect(final.status).toBe(IDENTIFIER_DOES_NOT_MATCH);
        expect(matches).toHaveLength(0);
      } finally {
        await association.release();
      }
    }
  });
});

describe('findExtendedNegotiation', () => {
  it('answers the FIND SOP classes only, with as many bytes as asked', () => {
    expect(findExtendedNegotiation(QueryRetrieveSopClass.PatientRootFind, Buffer.from([1]))).toEqual(
      Buffer.from([1]),
    );
    expect(
      findExtendedNegotiation(QueryRetrieveSopClass.StudyRootFind, Buffer.from([0, 1, 1, 1, 1])),
    ).toEqual(Buffer.from([0, 0, 0, 0, 0]));
    expect(findExtendedNegotiation(QueryRetrieveSopClass.StudyRootMove, Buffer.from([1]))).toBeUndefined();
    expect(findExtendedNegotiation(QueryRetrieveSopClass.StudyRootFind, Buffer.alloc(0))).toBeUndefined();
  });
});
