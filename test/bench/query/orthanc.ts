/**
 * Orthanc (Debian's binary, SQLite index) as the reference: started with a JSON configuration on free
 * ports in a temp dir, loaded through its REST API (POST /instances) with the benchmark's instances in
 * order for a fixed time, so it reaches the largest index it can in that time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPart10, encodeIdentifier, TransferSyntaxUid } from '@dicomesh/dicom';
import { freePort } from '../../support/free-port.ts';
import { benchInstance, type IndexSizes } from './bench-model.ts';

const ORTHANC = 'Orthanc';
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
const UPLOAD_CONCURRENCY = 4;
const UPLOAD_ATTEMPTS = 5;
const RETRY_DELAY_MS = 200;
export const ORTHANC_AE_TITLE = 'ORTHANC';
const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1011.9';

export interface OrthancServer {
  readonly dicomPort: number;
  readonly httpPort: number;
  readonly version: string;
  /**
   * Uploads instances 1, 2, ... until `budgetMs` has passed or all are in; resolves with the count stored
   * (always a prefix of the archive) and the uploads Orthanc failed and that were tried again.
   */
  load(
    sizes: IndexSizes,
    budgetMs: number,
    progress: (stored: number) => void,
  ): Promise<{ stored: number; retries: number }>;
  dispose(): Promise<void>;
}

export async function startOrthanc(): Promise<OrthancServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-bench-orthanc-'));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: 'dicomesh-bench',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: ORTHANC_AE_TITLE,
    DicomCheckCalledAet: false,
    DicomAlwaysAllowFind: true,
    DicomModalities: { bench: ['BENCHSCU', '127.0.0.1', 1] },
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpServerEnabled: true,
    StorageCompression: false,
    LimitFindResults: 0,
    LimitFindInstances: 0,
    SaveJobs: false,
    Plugins: [],
  };
  const configFile = join(dir, 'orthanc.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  // Orthanc's DICOM stack is DCMTK's: without TCP_NODELAY it waits for delayed ACKs here (DESIGN.md).
  const child: ChildProcess = spawn(ORTHANC, [configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TCP_NODELAY: '1' },
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4096);
  });
  const base = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let version = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${base}/system`);
      if (response.ok) {
        version = String(((await response.json()) as { Version?: string }).Version ?? '');
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Orthanc not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }

  return {
    dicomPort,
    httpPort,
    version,
    async load(sizes, budgetMs, progress) {
      const ts = TransferSyntaxUid.ExplicitVrLittleEndian;
      const until = Date.now() + budgetMs;
      let next = 1;
      let stored = 0;
      let retries = 0;
      // Orthanc answers 500 now and then under concurrent uploads (its SQLite index busy): try again.
      const upload = async (n: number, file: Buffer) => {
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${base}/instances`, { method: 'POST', body: file });
          const body = await response.text();
          if (response.ok) return;
          if (attempt >= UPLOAD_ATTEMPTS)
            throw new Error(`Orthanc POST /instances ${n}: HTTP ${response.status} ${body.slice(0, 200)}`);
          retries++;
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        }
      };
      const worker = async () => {
        while (Date.now() < until && next <= sizes.instances) {
          const n = next++;
          const identifier = benchInstance(sizes, n);
          const file = buildPart10(
            {
              sopClassUid: String(identifier.SOPClassUID),
              sopInstanceUid: String(identifier.SOPInstanceUID),
              transferSyntaxUid: ts,
              implementationClassUid: IMPLEMENTATION_CLASS_UID,
            },
            Buffer.from(encodeIdentifier(identifier, ts)),
          );
          await upload(n, file);
          stored++;
          if (stored % 1000 === 0) progress(stored);
        }
      };
      await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
      return { stored, retries };
    },
    async dispose() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
