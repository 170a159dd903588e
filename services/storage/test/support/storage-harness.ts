/**
 * Test harness: the real storage gRPC server in this process over a real runtime (fs blob store and PGlite,
 * or a real PostgreSQL when `databaseUrl` is given) in a temp dir, and a real gRPC client that streams a
 * header then chunks, as the gateway does.
 */
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { EventPublisher } from '@dicomesh/events';
import {
  AssociationContext,
  createClient,
  Metadata,
  type ServiceError,
  StorageClient,
  type StoreHeader,
  type StoreResponse,
} from '@dicomesh/rpc';
import { createLogger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import {
  openStorageRuntime,
  type StorageRuntime,
  type StorageServerHandle,
  startStorageServer,
} from '../../src/index.js';

export const CALLING_AE = 'STORETEST';

export interface HarnessOptions {
  readonly overwrite?: boolean;
  readonly acceptUnknownSopClasses?: boolean;
  readonly databaseUrl?: string;
  readonly localPublisher?: EventPublisher;
  readonly tracer?: Tracer;
}

export interface StorageHarness {
  readonly dataDir: string;
  readonly runtime: StorageRuntime;
  readonly server: StorageServerHandle;
  readonly client: StorageClient;
  /** Streams `header` then `chunks` (waiting for drain), and resolves with the response or rejects with the gRPC error. */
  store(
    header: StoreHeader,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  ): Promise<StoreResponse>;
  /** Every file under the data dir except the embedded index's, relative to it. */
  blobFiles(): Promise<string[]>;
  close(): Promise<void>;
}

export function storeHeader(
  sopClassUid: string,
  sopInstanceUid: string,
  transferSyntaxUid: string,
  messageId = 1,
): StoreHeader {
  return {
    context: AssociationContext.fromPartial({
      associationId: 'test-association',
      callingAeTitle: CALLING_AE,
      calledAeTitle: 'DICOMESH',
      remoteAddress: '127.0.0.1:1',
      messageId,
    }),
    sopClassUid,
    sopInstanceUid,
    transferSyntaxUid,
    priority: 0,
    moveOriginatorAeTitle: '',
    moveOriginatorMessageId: 0,
  };
}

/** `bytes` cut into pieces of `size` (views, not copies). */
export function* chunked(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

export async function filesUnder(dir: string, skip: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (skip.includes(relative(dir, path))) continue;
      if (entry.isDirectory()) await walk(path);
      else out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Calls the server's Store, streaming the chunks with backpressure, then the end. */
export async function callStore(
  client: StorageClient,
  header: StoreHeader,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<StoreResponse> {
  let answered = false;
  const response = new Promise<StoreResponse>((resolve, reject) => {
    const call = client.store(new Metadata(), {}, (error: ServiceError | null, res?: StoreResponse) => {
      answered = true;
      if (error) reject(error);
      else resolve(res as StoreResponse);
    });
    void (async () => {
      call.write({ part: { $case: 'header', value: header } });
      let bytes = 0;
      for await (const chunk of chunks) {
        if (answered) return;
        const value = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        bytes += value.length;
        if (!call.write({ part: { $case: 'chunk', value } })) {
          await Promise.race([once(call, 'drain'), response.catch(() => undefined)]);
        }
      }
      if (answered) return;
      call.write({ part: { $case: 'end', value: { bytes } } });
      call.end();
    })().catch(reject);
  });
  return response;
}

export async function startHarness(options: HarnessOptions = {}): Promise<StorageHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dicomesh-storage-test-'));
  const logger = createLogger('storage-test');
  const runtime = await openStorageRuntime({
    dataDir,
    databaseUrl: options.databaseUrl,
    logger,
    ...(options.localPublisher === undefined ? {} : { localPublisher: options.localPublisher }),
  });
  const server = await startStorageServer({
    host: '127.0.0.1',
    port: 0,
    blobStore: runtime.blobStore,
    index: runtime.index,
    relay: runtime.relay,
    overwrite: options.overwrite ?? false,
    acceptUnknownSopClasses: options.acceptUnknownSopClasses ?? false,
    logger,
    shutdownGraceMs: 1_000,
    ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
  });
  const client = createClient(StorageClient, `127.0.0.1:${server.port}`, { defaultDeadlineMs: 0 });
  return {
    dataDir,
    runtime,
    server,
    client,
    store: (header, chunks) => callStore(client, header, chunks),
    blobFiles: () => filesUnder(dataDir, ['index']),
    async close() {
      client.close();
      await server.close();
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
