/**
 * C-FIND end to end in one process, as all-in-one runs it: DCMTK findscu (and our SCU) -> gateway ->
 * Query.Find -> the index (PostgreSQL, filled through storeInstance), with spans in memory. A C-CANCEL in
 * the middle of 5000 matches is answered FE00 within 100 ms and stops the index reads.
 */
import { execFile } from 'node:child_process';
import { decodeIdentifier, encodeIdentifier, type Identifier } from '@dicomesh/dicom';
import { connectScu, queryRetrieveContexts } from '@dicomesh/dimse';
import { associationEventPublisher, InProcessBus } from '@dicomesh/events';
import { connectBackends, type Gateway, startGateway } from '@dicomesh/gateway';
import { InMemorySpanExporter, type ReadableSpan, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archive, CT, UID } from './support/fixtures.js';
import {
  openIndex,
  type PostgresServer,
  type QueryHarness,
  record,
  startHarness,
  startPostgres,
  type TestIndex,
} from './support/query-harness.js';

const AE_TITLE = 'DICOMESH';
const MANY = 5000;
const MANY_STUDY = '1.2.826.0.1.3680043.10.9.1';
const MANY_SERIES = '1.2.826.0.1.3680043.10.9.2';
/** The bound: FE00 within 100 ms of the C-CANCEL. */
const CANCEL_BOUND_MS = 100;
const CANCEL_AFTER = 100;
const GRPC_CANCELLED = 1;
const STORE_CONCURRENCY = 8;

function findscu(port: number, args: readonly string[]) {
  return new Promise<{ status: number; output: string }>((resolve) => {
    execFile(
      'findscu',
      ['-v', '-aet', 'FINDSCU', '-aec', AE_TITLE, ...args, '127.0.0.1', String(port)],
      { timeout: 60_000, env: { ...process.env, TCP_NODELAY: '1' } },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status, output: stdout + stderr });
      },
    );
  });
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function manyInstances() {
  return Array.from({ length: MANY }, (_, i) =>
    record({
      PatientName: 'MANY^INSTANCES',
      PatientID: 'MANY',
      StudyInstanceUID: MANY_STUDY,
      StudyDate: '20220202',
      SeriesInstanceUID: MANY_SERIES,
      Modality: 'CT',
      SeriesNumber: 1,
      SOPClassUID: CT,
      SOPInstanceUID: `${MANY_SERIES}.${i + 1}`,
      InstanceNumber: i + 1,
    }),
  );
}

describe('C-FIND through the gateway', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let postgres: PostgresServer;
  let index: TestIndex;
  let query: QueryHarness;
  let gateway: Gateway;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'gateway-find-test', exporter });
    postgres = await startPostgres();
    index = await openIndex('postgresql', postgres);
    await index.store(archive());
    // The same patient, study and series 5000 times: stored in parallel once the hierarchy exists.
    const many = manyInstances();
    await index.store(many.slice(0, 1));
    await index.store(many.slice(1), STORE_CONCURRENCY);
    query = await startHarness(index.sql, { tracer: telemetry.tracer('query-test') });
    gateway = await startGateway({
      aeTitle: AE_TITLE,
      host: '127.0.0.1',
      port: 0,
      maxPduLength: 65_536,
      artimTimeoutMs: 5_000,
      idleTimeoutMs: 0,
      maxAssociations: 10,
      acceptUnknownSopClasses: false,
      backends: connectBackends({
        verificationUrl: '127.0.0.1:1',
        storageUrl: '127.0.0.1:1',
        queryUrl: `127.0.0.1:${query.server.port}`,
        deadlineMs: 5_000,
      }),
      tracer: telemetry.tracer('gateway-test'),
      events: associationEventPublisher(new InProcessBus()),
    });
  }, 300_000);

  afterAll(async () => {
    await gateway?.close();
    await query?.close();
    await index?.dispose();
    await postgres?.dispose();
    await telemetry?.shutdown();
  });

  it('answers findscu with every match, and traces gateway -> query service -> SQL', async () => {
    exporter.reset();
    const { status, output } = await findscu(gateway.port, [
      '-S',
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      'PatientID=PID1',
      '-k',
      'StudyInstanceUID',
      '-k',
      'ModalitiesInStudy',
    ]);
    expect(status, output).toBe(0);
    expect(output.match(/Find Response: \d+ \(Pending\)/g)).toHaveLength(2);
    expect(output).toContain(UID.study1);
    expect(output).toContain(UID.study2);
    expect(output).toMatch(/Received Final Find Response \(Success\)/);

    const spans = await until('the C-FIND span', () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name === 'dimse C-FIND') ? all : undefined;
    });
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');
    const dimse = spans.find((s) => s.name === 'dimse C-FIND')!;
    expect(dimse.attributes['dicom.query_level']).toBe('STUDY');
    expect(dimse.attributes['dicom.status']).toBe(0);
    const rpc = spans.find((s) => s.name === 'dicomesh.v1.Query/Find')!;
    expect(parentOf(rpc)).toBe(dimse);
    expect(rpc.attributes['dicom.query_level']).toBe('STUDY');
    const selects = spans.filter((s) => s.name === 'SELECT studies');
    expect(selects.length).toBeGreaterThan(0);
    for (const select of selects) expect(parentOf(select)).toBe(rpc);
  });

  it('answers a broken identifier with A900', async () => {
    const { output } = await findscu(gateway.port, [
      '-P',
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      'StudyInstanceUID',
    ]);
    // DCMTK names A900 after the storage table: "Error: DataSetDoesNotMatchSOPClass".
    expect(output).toMatch(/Received Final Find Response \(Error: DataSetDoesNotMatchSOPClass\)/);
    expect(output).not.toMatch(/\(Pending\)/);
  });

  it('findscu --cancel: Matching terminated due to Cancel request', async () => {
    const { output } = await findscu(gateway.port, [
      '-S',
      '--cancel',
      '10',
      '-k',
      'QueryRetrieveLevel=IMAGE',
      '-k',
      `StudyInstanceUID=${MANY_STUDY}`,
      '-k',
      `SeriesInstanceUID=${MANY_SERIES}`,
      '-k',
      'SOPInstanceUID',
    ]);
    expect(output).toMatch(/Received Final Find Response \(Cancel: MatchingTerminatedDueToCancelRequest\)/);
    const pending = output.match(/\(Pending\)/g)?.length ?? 0;
    expect(pending).toBeGreaterThanOrEqual(10);
    expect(pending).toBeLessThan(MANY);
  });

  it(`C-CANCEL in the middle of ${MANY} matches: FE00 within ${CANCEL_BOUND_MS} ms, the index reads stop`, async () => {
    exporter.reset();
    const client = await connectScu({
      host: '127.0.0.1',
      port: gateway.port,
      callingAeTitle: 'CANCELSCU',
      calledAeTitle: AE_TITLE,
      contexts: queryRetrieveContexts(),
    });
    try {
      const identifier: Identifier = {
        QueryRetrieveLevel: 'IMAGE',
        StudyInstanceUID: MANY_STUDY,
        SeriesInstanceUID: MANY_SERIES,
        SOPInstanceUID: null,
        InstanceNumber: null,
      };
      const op = await client.find('study', (ts) => Buffer.from(encodeIdentifier(identifier, ts)));
      let received = 0;
      let cancelledAt = 0;
      for await (const response of op) {
        received++;
        if (received === 1) {
          expect(decodeIdentifier(response.identifier!, op.transferSyntaxUid).InstanceNumber).toBe(1);
        }
        if (received === CANCEL_AFTER) {
          cancelledAt = performance.now();
          await op.cancel();
        }
      }
      const result = await op.result;
      const elapsed = performance.now() - cancelledAt;
      expect(result.status).toBe(0xfe00);
      expect(elapsed).toBeLessThan(CANCEL_BOUND_MS);
      expect(received).toBeLessThan(MANY);

      // The query service's call ended CANCELLED, having read far fewer rows than the series holds.
      const rpc = await until('the cancelled Query.Find span', () =>
        exporter.getFinishedSpans().find((s) => s.name === 'dicomesh.v1.Query/Find'),
      );
      expect(rpc.attributes['rpc.grpc.status_code']).toBe(GRPC_CANCELLED);
      const rows = exporter
        .getFinishedSpans()
        .filter((s) => s.name === 'SELECT instances')
        .reduce((n, s) => n + Number(s.attributes['dicomesh.rows'] ?? 0), 0);
      expect(rows).toBeLessThan(MANY);
    } finally {
      await client.association.release();
    }
  });
});
