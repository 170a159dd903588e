/**
 * One `Storage.Store` client stream: the header, the data set in chunks of at most 1 MiB as they arrive,
 * then the end with the byte count once the last fragment has come; with backpressure both ways, and a
 * watchdog that cancels the call when nothing moves for `stallTimeoutMs` (a 5 GiB object may take
 * minutes; a dead backend must not hang the association).
 */
import type { Readable } from 'node:stream';
import {
  connectivityState,
  encodeStoreChunk,
  Metadata,
  RpcError,
  type StorageClient,
  StorageServiceDefinition,
  type StoreHeader,
  type StoreRequest,
  type StoreResponse,
  startStreamedBytes,
  toRpcError,
} from '@dicomesh/rpc';

/** The design's chunk bound: a gRPC message carries at most about 1 MiB of data set. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Data set bytes gathered into one chunk request before it is written. */
const BATCH_BYTES = 256 * 1024;

/**
 * Chunk requests written to the call and not yet taken by HTTP/2. The call's own buffer would hold 16 (it
 * counts messages: 4 MiB of 256 KiB chunks) before asking to wait; two keep the transfer going, hold less
 * memory, and let each chunk be garbage before the next scavenge (startStreamedBytes) instead of surviving
 * it into the old generation, where only a mark-compact frees it (a 1 GiB object: 140 mark-compacts).
 */
const MAX_REQUESTS_IN_FLIGHT = 2;

const STORE = StorageServiceDefinition.store;

/** What the call writes: the header as a request, data set chunks already encoded. */
type Outgoing = StoreRequest | Buffer;

function serializeOutgoing(message: Outgoing): Buffer {
  return Buffer.isBuffer(message) ? message : STORE.requestSerialize(message);
}

/**
 * The data set as batches of the buffers it was pushed as, in order: BATCH_BYTES or a little more each, the
 * last one shorter. An async iterator over a byte stream would join everything buffered into one copy first;
 * this hands the pieces over as they are, so each byte is copied once, into its chunk request, and chunk
 * requests are not one per socket read (fewer gRPC messages). Backpressure: the stream is paused while a
 * batch is full and resumed when the batch is taken. A stream that errors or closes without 'end' throws.
 */
async function* datasetBatches(stream: Readable): AsyncGenerator<readonly Buffer[]> {
  let batch: Buffer[] = [];
  let batched = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (piece: Buffer) => {
    batch.push(piece);
    batched += piece.length;
    if (batched >= BATCH_BYTES) stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: Error) => {
    failure ??= error;
    notify();
  };
  const onClose = () => {
    if (!ended) failure ??= stream.errored ?? prematureClose();
    notify();
  };
  if (stream.errored) throw stream.errored;
  if (stream.destroyed) throw prematureClose();
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
  try {
    for (;;) {
      if (failure) throw failure;
      if (batched >= BATCH_BYTES || (batch.length > 0 && ended)) {
        const out = batch;
        batch = [];
        batched = 0;
        stream.resume();
        yield out;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stream.off('close', onClose);
    // As a for-await would: a consumer that stops early destroys the stream (the association keeps reading).
    if (!ended && !stream.destroyed) stream.destroy();
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
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

/** A batch of pieces as chunk requests of at most MAX_CHUNK_BYTES of data set each. */
function* chunkRequests(batch: readonly Buffer[]): Generator<Buffer> {
  let pieces: Buffer[] = [];
  let length = 0;
  for (const whole of batch) {
    for (let offset = 0; offset < whole.length; ) {
      const piece = whole.subarray(offset, offset + MAX_CHUNK_BYTES - length);
      offset += piece.length;
      pieces.push(piece);
      length += piece.length;
      if (length === MAX_CHUNK_BYTES) {
        yield encodeStoreChunk(pieces, length);
        pieces = [];
        length = 0;
      }
    }
  }
  if (length > 0) yield encodeStoreChunk(pieces, length);
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
  const call = client.makeClientStreamRequest<Outgoing, StoreResponse>(
    STORE.path,
    serializeOutgoing,
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
  const streamed = startStreamedBytes();
  let inFlight = 0;
  let bytes = 0;
  let taken: (() => void) | undefined;
  const onTaken = () => {
    inFlight--;
    const wake = taken;
    taken = undefined;
    wake?.();
  };
  try {
    progress();
    call.write({ part: { $case: 'header', value: header } });
    for await (const batch of datasetBatches(dataset)) {
      if (answered) continue;
      for (const piece of batch) bytes += piece.length;
      for (const request of chunkRequests(batch)) {
        if (answered) break;
        progress();
        streamed.note(request.length);
        inFlight++;
        call.write(request, onTaken);
        // A failed or cancelled call may never take what it holds: its answer ends the wait.
        while (inFlight >= MAX_REQUESTS_IN_FLIGHT && !answered) {
          await Promise.race([
            new Promise<void>((resolve) => {
              taken = resolve;
            }),
            settled,
          ]);
        }
      }
    }
    // Storage stores only what a call ends this way: a cancelled stream may reach it as a clean half-close.
    if (!answered) {
      call.write({ part: { $case: 'end', value: { bytes } } });
      call.end();
    }
    progress();
    return await response;
  } catch (error) {
    call.cancel();
    // A failed write surfaces the raw transport error: name it as the call's (unavailable, cancelled...).
    throw stalled ?? toRpcError(error, 'Storage/Store');
  } finally {
    streamed.end();
    clearTimeout(watchdog);
    options.signal.removeEventListener('abort', cancel);
  }
}
