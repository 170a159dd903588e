/**
 * One `Storage.Store` client stream: the header, then the data set in chunks of at most 1 MiB as they
 * arrive, with backpressure both ways, and a watchdog that cancels the call when nothing moves for
 * `stallTimeoutMs` (a 5 GiB object may take minutes; a dead backend must not hang the association).
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import {
  connectivityState,
  Metadata,
  RpcError,
  type StorageClient,
  StorageServiceDefinition,
  type StoreHeader,
  type StoreRequest,
  type StoreResponse,
  toRpcError,
} from '@dicomesh/rpc';

/** The design's chunk bound: a gRPC message carries at most about 1 MiB of data set. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

const STORE = StorageServiceDefinition.store;
/** `StoreRequest.chunk`: field 2, wire type 2 (length-delimited). */
const CHUNK_FIELD_TAG = (2 << 3) | 2;
const VARINT_MAX_BYTES = 5;

/**
 * A data set chunk as its `StoreRequest` bytes, written straight into one buffer: the generated encoder
 * grows a zero-filled buffer to the next power of two and copies the chunk three times more (measured:
 * garbage collection took a third of the gateway's time while storing CT images).
 */
export function encodeChunkRequest(chunk: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + VARINT_MAX_BYTES + chunk.length);
  out[0] = CHUNK_FIELD_TAG;
  let at = 1;
  let length = chunk.length;
  while (length > 0x7f) {
    out[at++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  out[at++] = length;
  out.set(chunk, at);
  return out.subarray(0, at + chunk.length);
}

function serializeStoreRequest(request: StoreRequest): Buffer {
  return request.part?.$case === 'chunk'
    ? encodeChunkRequest(request.part.value)
    : STORE.requestSerialize(request);
}

/**
 * Longest wait for a connection to storage before the C-STORE is failed: long enough to catch a storage
 * service that is restarting (the channel redials within 2 s), short enough that a storage service that is
 * down fails the C-STORE quickly instead of after the whole stall timeout.
 */
export const CONNECT_WAIT_MS = 5_000;

/** Resolves once the channel to storage is READY; rejects with UNAVAILABLE after `waitMs`. */
function connected(client: StorageClient, waitMs: number): Promise<void> {
  if (client.getChannel().getConnectivityState(true) === connectivityState.READY) return Promise.resolve();
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + waitMs, (error) => {
      if (error) reject(RpcError.of('unavailable', `no connection to storage within ${waitMs} ms`, error));
      else resolve();
    });
  });
}

export interface StoreCallOptions {
  readonly stallTimeoutMs: number;
  /** Aborted when the association ends (A-ABORT): the call is cancelled and storage discards the object. */
  readonly signal: AbortSignal;
}

export class StoreStalledError extends Error {
  override readonly name = 'StoreStalledError';
  constructor(readonly stallTimeoutMs: number) {
    super(`storage made no progress for ${stallTimeoutMs} ms`);
  }
}

export async function storeThroughBackend(
  client: StorageClient,
  header: StoreHeader,
  dataset: Readable,
  options: StoreCallOptions,
): Promise<StoreResponse> {
  await connected(client, Math.min(CONNECT_WAIT_MS, options.stallTimeoutMs));
  let settle!: { resolve: (r: StoreResponse) => void; reject: (e: unknown) => void };
  const response = new Promise<StoreResponse>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const call = client.makeClientStreamRequest<StoreRequest, StoreResponse>(
    STORE.path,
    serializeStoreRequest,
    STORE.responseDeserialize,
    new Metadata(),
    {},
    (error, res) => {
      if (error) settle.reject(toRpcError(error, 'Storage/Store'));
      else settle.resolve(res as StoreResponse);
    },
  );
  let stalled: StoreStalledError | undefined;
  // One timer, re-armed on progress (refresh() moves it; no new timer per chunk).
  const watchdog = setTimeout(() => {
    stalled = new StoreStalledError(options.stallTimeoutMs);
    call.cancel();
  }, options.stallTimeoutMs);
  const progress = () => watchdog.refresh();
  const cancel = () => call.cancel();
  options.signal.addEventListener('abort', cancel, { once: true });
  // Once storage has answered (early, e.g. an invalid UID, or after a failure), the rest of the data set
  // is only drained: the association must read it to stay in step.
  let answered = false;
  const settled = response.then(
    () => {
      answered = true;
    },
    () => {
      answered = true;
    },
  );
  try {
    progress();
    call.write({ part: { $case: 'header', value: header } });
    for await (const piece of dataset) {
      if (answered) continue;
      const chunk = piece as Buffer;
      for (let offset = 0; offset < chunk.length && !answered; offset += MAX_CHUNK_BYTES) {
        progress();
        const part = { $case: 'chunk' as const, value: chunk.subarray(offset, offset + MAX_CHUNK_BYTES) };
        if (!call.write({ part })) await Promise.race([once(call, 'drain'), settled]);
      }
    }
    if (!answered) call.end();
    progress();
    return await response;
  } catch (error) {
    call.cancel();
    // A failed write surfaces the raw transport error: name it as the call's (unavailable, cancelled...).
    throw stalled ?? toRpcError(error, 'Storage/Store');
  } finally {
    clearTimeout(watchdog);
    options.signal.removeEventListener('abort', cancel);
  }
}
