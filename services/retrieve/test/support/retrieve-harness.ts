/**
 * The retrieve tests' platform, as all-in-one runs it but on a real PostgreSQL: verification, storage,
 * retrieve and the gateway in this process on free ports, with spans in memory. Objects come in with
 * DCMTK storescu; move destinations are named in a registry the test fills.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteAe } from '@dicomesh/config';
import { type Association, createAcceptor } from '@dicomesh/dicom-ul';
import { type CStoreHandler, createDimseScp } from '@dicomesh/dimse';
import { InProcessBus } from '@dicomesh/events';
import { connectBackends, type Gateway, startGateway } from '@dicomesh/gateway';
import { openStorageRuntime, type StorageRuntime, startStorageServer } from '@dicomesh/storage';
import { createLogger, InMemorySpanExporter, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { startVerificationServer } from '@dicomesh/verification';
import { type PostgresServer, startPostgres } from '../../../../test/support/postgres.ts';
import { type RetrieveServerHandle, startRetrieveServer } from '../../src/index.js';

export const AE_TITLE = 'DICOMESH';
export const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const LOOPBACK = '127.0.0.1';

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a DCMTK tool (or python) to completion: exit code and stdout + stderr. */
export function run(command: string, args: readonly string[], timeoutMs = 120_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, env: DCMTK_ENV, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

/** Polls `probe` until it returns a value, with a deadline. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A mutable registry of move destinations. */
export class TestDestinations {
  readonly entries = new Map<string, RemoteAe>();
  lookup(aeTitle: string): RemoteAe | undefined {
    return this.entries.get(aeTitle.trim());
  }
  add(aeTitle: string, port: number): void {
    this.entries.set(aeTitle, { aeTitle, host: LOOPBACK, port });
  }
}

export interface Harness {
  readonly dir: string;
  /** The index's PostgreSQL (for tests that shape rows directly). */
  readonly databaseUrl: string;
  /** Where storage keeps the blobs: `<blobsDir>/<blob key>`. */
  readonly blobsDir: string;
  readonly port: number;
  readonly exporter: InMemorySpanExporter;
  readonly destinations: TestDestinations;
  readonly bus: InProcessBus;
  /** Stores these files as they are with storescu (`options` e.g. `-xr` to propose RLE first). */
  storeFiles(paths: readonly string[], options?: readonly string[]): Promise<void>;
  /** Writes `count` CT objects of one new series and stores them with storescu; their SOP Instance UIDs. */
  storeSeries(
    patientId: string,
    studyUid: string,
    seriesUid: string,
    count: number,
    pixelBytes?: number,
  ): Promise<string[]>;
  stop(): Promise<void>;
}

const MAKE_OBJECTS = new URL('./make_objects.py', import.meta.url).pathname;

export async function startHarness(options: { subOperationTimeoutMs?: number } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'retrieve-test-'));
  const exporter = new InMemorySpanExporter();
  const telemetry: Telemetry = startTelemetry({ serviceName: 'retrieve-test', exporter });
  const postgres: PostgresServer = await startPostgres();
  const bus = new InProcessBus({ logger: createLogger('events') });
  const runtime: StorageRuntime = await openStorageRuntime({
    dataDir: join(dir, 'data'),
    databaseUrl: postgres.url,
    localPublisher: bus,
    logger: createLogger('storage'),
  });
  const verification = await startVerificationServer({ host: LOOPBACK, port: 0 });
  const storage = await startStorageServer({
    host: LOOPBACK,
    port: 0,
    blobStore: runtime.blobStore,
    index: runtime.index,
    relay: runtime.relay,
    tracer: telemetry.tracer('@dicomesh/storage'),
  });
  const destinations = new TestDestinations();
  const retrieve: RetrieveServerHandle = await startRetrieveServer({
    host: LOOPBACK,
    port: 0,
    sql: runtime.sql,
    blobStore: runtime.blobStore,
    destinations,
    aeTitle: AE_TITLE,
    subOperationTimeoutMs: options.subOperationTimeoutMs ?? 10_000,
    publisher: bus,
    tracer: telemetry.tracer('@dicomesh/retrieve'),
  });
  const gateway: Gateway = await startGateway({
    aeTitle: AE_TITLE,
    host: LOOPBACK,
    port: 0,
    maxPduLength: 262_144,
    artimTimeoutMs: 10_000,
    idleTimeoutMs: 0,
    maxAssociations: 50,
    acceptUnknownSopClasses: false,
    backends: connectBackends({
      verificationUrl: `${LOOPBACK}:${verification.port}`,
      storageUrl: `${LOOPBACK}:${storage.port}`,
      retrieveUrl: `${LOOPBACK}:${retrieve.port}`,
      deadlineMs: 30_000,
    }),
    tracer: telemetry.tracer('@dicomesh/gateway'),
  });
  let batch = 0;
  return {
    dir,
    databaseUrl: postgres.url,
    blobsDir: join(dir, 'data', 'blobs'),
    port: gateway.port,
    exporter,
    destinations,
    bus,
    async storeFiles(paths, options = []) {
      const stored = await run('storescu', [
        ...options,
        '-aet',
        'STORESCU',
        '-aec',
        AE_TITLE,
        LOOPBACK,
        String(gateway.port),
        ...paths,
      ]);
      if (stored.code !== 0) throw new Error(`storescu: ${stored.output}`);
    },
    async storeSeries(patientId, studyUid, seriesUid, count, pixelBytes = 4096) {
      const out = join(dir, `objects-${batch++}`);
      const made = await run('/usr/bin/python3', [
        MAKE_OBJECTS,
        out,
        patientId,
        studyUid,
        seriesUid,
        String(count),
        String(pixelBytes),
      ]);
      if (made.code !== 0) throw new Error(`make_objects.py: ${made.output}`);
      const lines = made.output
        .trim()
        .split('\n')
        .map((line) => line.split('\t') as [string, string]);
      const stored = await run('storescu', [
        '-aet',
        'STORESCU',
        '-aec',
        AE_TITLE,
        LOOPBACK,
        String(gateway.port),
        '+sd',
        out,
      ]);
      if (stored.code !== 0) throw new Error(`storescu: ${stored.output}`);
      return lines.map(([uid]) => uid);
    },
    async stop() {
      await gateway.close();
      await retrieve.close();
      await storage.close();
      await verification.close();
      await runtime.close();
      await bus.close();
      await postgres.dispose();
      await telemetry.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestDestination {
  readonly port: number;
  readonly received: {
    sopInstanceUid: string;
    moveOriginatorAe?: string;
    moveOriginatorMessageId?: number;
  }[];
  readonly associations: Association[];
  close(): Promise<void>;
}

/**
 * A C-MOVE destination of our own DIMSE library whose C-STORE handler the test writes (to be slow, to
 * die, to stop answering). It accepts every SOP class in `transferSyntaxes` (default Explicit and
 * Implicit VR Little Endian).
 */
export async function startTestDestination(
  aeTitle: string,
  onStore: (received: number, association: Association) => Promise<void> | void,
  transferSyntaxes: readonly string[] = ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2'],
): Promise<TestDestination> {
  const received: TestDestination['received'] = [];
  const associations: Association[] = [];
  const handler: CStoreHandler = async (rq, ctx) => {
    for await (const _ of rq.dataset) {
      // consume the data set
    }
    received.push({
      sopInstanceUid: rq.affectedSopInstanceUid,
      transferSyntaxUid: rq.transferSyntaxUid,
      ...(rq.moveOriginator
        ? {
            moveOriginatorAe: rq.moveOriginator.aeTitle,
            moveOriginatorMessageId: rq.moveOriginator.messageId,
          }
        : {}),
    });
    await onStore(received.length, ctx.association);
    return { status: 0 };
  };
  const acceptor = createAcceptor({
    aeTitle,
    transferSyntaxesFor: () => transferSyntaxes,
    onAssociation: (association) => {
      associations.push(association);
      createDimseScp(association, { handlers: { cStore: handler } });
    },
  });
  const address = await acceptor.listen(0, LOOPBACK);
  return {
    port: address.port,
    received,
    associations,
    close: () => acceptor.close(),
  };
}
