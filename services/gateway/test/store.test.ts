/**
 * The C-STORE path in one process, as all-in-one runs it: DCMTK storescu -> gateway -> Storage.Store ->
 * blob store and index (PGlite), with association events on the in-process bus and spans in memory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ArchiveIndex,
  type BlobStore,
  createArchiveIndex,
  createFsBlobStore,
  createPgliteClient,
  migrate,
  type SqlClient,
} from '@dicomesh/archive';
import { parsePart10 } from '@dicomesh/dicom';
import { connectScu, storageContexts } from '@dicomesh/dimse';
import { associationEventPublisher, type BusMessage, InProcessBus, Subject } from '@dicomesh/events';
import { type StorageServerHandle, startStorageServer } from '@dicomesh/storage';
import { InMemorySpanExporter, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBackends, type Gateway, startGateway } from '../src/index.js';

const AE_TITLE = 'DICOMESH';
const BACKEND_DEADLINE_MS = 3_000;
const POLL_MS = 20;
const PYDICOM_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const CT_SMALL = join(PYDICOM_FILES, 'CT_small.dcm');
const MR_SMALL = join(PYDICOM_FILES, 'MR_small.dcm');

function storescu(port: number, files: readonly string[], calledAe = AE_TITLE) {
  return new Promise<{ status: number; output: string }>((resolve) => {
    execFile(
      'storescu',
      ['-v', '--no-halt', '-aet', 'MODALITY', '-aec', calledAe, '127.0.0.1', String(port), ...files],
      { timeout: 60_000 },
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
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('gateway with the storage service', () => {
  const exporter = new InMemorySpanExporter();
  const events: BusMessage[] = [];
  let telemetry: Telemetry;
  let dir: string;
  let sql: SqlClient;
  let index: ArchiveIndex;
  let blobStore: BlobStore;
  let bus: InProcessBus;
  let storage: StorageServerHandle;
  let gateway: Gateway;

  function gatewayFor(storagePort: number): Promise<Gateway> {
    return startGateway({
      aeTitle: AE_TITLE,
      host: '127.0.0.1',
      port: 0,
      maxPduLength: 65_536,
      artimTimeoutMs: 5_000,
      idleTimeoutMs: 0,
      maxAssociations: 50,
      acceptUnknownSopClasses: false,
      backends: connectBackends({
        verificationUrl: '127.0.0.1:1',
        storageUrl: `127.0.0.1:${storagePort}`,
        deadlineMs: BACKEND_DEADLINE_MS,
      }),
      tracer: telemetry.tracer('gateway-test'),
      events: associationEventPublisher(bus),
    });
  }

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'gateway-store-test', exporter });
    dir = await mkdtemp(join(tmpdir(), 'dicomesh-gateway-store-'));
    sql = await createPgliteClient(join(dir, 'index'));
    await migrate(sql);
    index = createArchiveIndex(sql);
    blobStore = await createFsBlobStore(join(dir, 'blobs'));
    bus = new InProcessBus();
    bus.subscribe('dicomesh.v1.>', (message) => {
      events.push(message);
    });
    storage = await startStorageServer({
      host: '127.0.0.1',
      port: 0,
      blobStore,
      index,
      tracer: telemetry.tracer('storage-test'),
    });
    gateway = await gatewayFor(storage.port);
  });

  afterAll(async () => {
    await gateway?.close();
    await storage?.close();
    await sql?.close();
    await telemetry?.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a data set byte-identical (after its meta header), and traces it end to end', async () => {
    exporter.reset();
    // Our SCU sends the file's data set bytes as they are (storescu would drop its trailing padding).
    const file = await readFile(CT_SMALL);
    const sent = parsePart10(file);
    const client = await connectScu({
      host: '127.0.0.1',
      port: gateway.port,
      callingAeTitle: 'MODALITY',
      calledAeTitle: AE_TITLE,
      contexts: storageContexts([sent.meta.mediaStorageSopClassUid ?? ''], [sent.transferSyntaxUid]),
    });
    const response = await client.store(
      sent.meta.mediaStorageSopClassUid ?? '',
      sent.meta.mediaStorageSopInstanceUid ?? '',
      sent.transferSyntaxUid,
      file.subarray(sent.dataSetOffset),
    );
    await client.association.release();
    expect(response.status).toBe(0);

    const stored = await index.getInstance(sent.meta.mediaStorageSopInstanceUid ?? '');
    expect(stored).toBeDefined();
    const chunks: Buffer[] = [];
    for await (const chunk of blobStore.read(stored!.blobKey, stored!.dataSetOffset)) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(file.subarray(sent.dataSetOffset))).toBe(true);

    const spans = await until('the storage spans', () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name === 'index transaction') && all.some((s) => s.name === 'dimse C-STORE')
        ? all
        : undefined;
    });
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const dimse = spans.find((s) => s.name === 'dimse C-STORE');
    expect(dimse?.kind).toBe(SpanKind.SERVER);
    expect(dimse?.attributes).toMatchObject({ 'dicom.command': 'C-STORE', 'dicom.status': 0 });
    const server = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === dimse?.spanContext().spanId,
    );
    expect(server?.name, spans.map((s) => s.name).join(', ')).toContain('Store');
    const childrenOfServer = spans
      .filter((s) => s.parentSpanContext?.spanId === server?.spanContext().spanId)
      .map((s) => s.name);
    expect(childrenOfServer).toEqual(
      expect.arrayContaining(['blob write', 'blob commit', 'index transaction']),
    );
    for (const span of spans.filter((s) => s.name === 'blob write')) {
      expect(byId.get(span.parentSpanContext?.spanId ?? '')?.name).toBe(server?.name);
    }
  });

  it('publishes association opened and closed, and rejected for another called AE title', async () => {
    events.length = 0;
    expect((await storescu(gateway.port, [MR_SMALL])).status).toBe(0);
    expect((await storescu(gateway.port, [MR_SMALL], 'SOMEONE_ELSE')).status).not.toBe(0);
    const subjects = await until('three association events', () => {
      const seen = events.map((e) => e.subject).filter((s) => s.startsWith('dicomesh.v1.association.'));
      return seen.length >= 3 ? seen : undefined;
    });
    expect(subjects).toEqual([
      Subject.AssociationOpened,
      Subject.AssociationClosed,
      Subject.AssociationRejected,
    ]);
    const rejected = events.find((e) => e.subject === Subject.AssociationRejected);
    expect(rejected?.payload).toMatchObject({
      callingAeTitle: 'MODALITY',
      calledAeTitle: 'SOMEONE_ELSE',
      detail: { result: 1, source: 1, reason: 7 },
    });
    const opened = events.find((e) => e.subject === Subject.AssociationOpened);
    const closed = events.find((e) => e.subject === Subject.AssociationClosed);
    expect(closed?.payload.associationId).toBe(opened?.payload.associationId);
    expect(closed?.payload).toMatchObject({ detail: { reason: 'released' } });
  });

  it('answers A700 within the bound when storage is down, and the association goes on', async () => {
    const down = await gatewayFor(1);
    try {
      const started = Date.now();
      const run = await storescu(down.port, [CT_SMALL, MR_SMALL]);
      // Both stores on the one association are answered with a failure, none hangs.
      const failures = run.output.match(/Received Store Response \(Refused: OutOfResources/g) ?? [];
      expect(failures.length, run.output).toBe(2);
      expect(Date.now() - started).toBeLessThan(2 * BACKEND_DEADLINE_MS + 5_000);
    } finally {
      await down.close();
    }
  });
});
