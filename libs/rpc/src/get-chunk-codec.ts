/**
 * The Retrieve service with a faster codec for `Get`'s data set chunks, which carry every byte of a C-GET:
 * a chunk response is written straight into one buffer and read back as a view of the received message
 * (chunk-wire.ts). Every other message goes through the generated code.
 */
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import { encodeLengthDelimited, lengthDelimitedTag, lengthDelimitedView } from './chunk-wire.js';
import { type GetResponse, type RetrieveClient, RetrieveService } from './generated/dicomesh/v1/retrieve.js';

/** `GetResponse.chunk`: field 2. */
const CHUNK_TAG = lengthDelimitedTag(2);

/** Chunks whose sender waits to see their bytes copied into a message (chunkCopied). */
const copyWaiters = new WeakMap<Buffer, () => void>();

/**
 * Resolves once `chunk` has been serialized into a Get response, its bytes copied out: then its memory may be
 * reused. A write to a gRPC stream returns before that when earlier messages are still queued (the stream's
 * buffer, HTTP/2 flow control), so a sender that reuses buffers must wait for this, not for the write. Call it
 * before the chunk is written; it stays pending if the chunk is never serialized (race it with the call's end).
 */
export function chunkCopied(chunk: Buffer): Promise<void> {
  return new Promise((resolve) => copyWaiters.set(chunk, resolve));
}

/** A GetResponse as its wire bytes: a chunk encoded in one copy, anything else by the generated encoder. */
export function serializeGetResponse(value: GetResponse): Buffer {
  if (value.part?.$case !== 'chunk') return RetrieveService.get.responseSerialize(value);
  const chunk = value.part.value;
  const bytes = encodeLengthDelimited(CHUNK_TAG, [chunk], chunk.length);
  const copied = copyWaiters.get(chunk);
  if (copied !== undefined) {
    copyWaiters.delete(chunk);
    copied();
  }
  return bytes;
}

/** A GetResponse from its wire bytes: a lone chunk as a view of them, anything else by the generated decoder. */
export function deserializeGetResponse(bytes: Buffer): GetResponse {
  const chunk = lengthDelimitedView(bytes, CHUNK_TAG);
  if (chunk !== undefined) return { part: { $case: 'chunk', value: chunk } };
  return RetrieveService.get.responseDeserialize(bytes);
}

/** RetrieveService with the chunk codec on Get (the server registers this, the client is built from it). */
export const RetrieveServiceWithChunkCodec = {
  ...RetrieveService,
  get: {
    ...RetrieveService.get,
    responseSerialize: serializeGetResponse,
    responseDeserialize: deserializeGetResponse,
  },
} as const;

/** The Retrieve client, decoding Get's chunks as views (typed as the generated client). */
export const RetrieveClientWithChunkCodec = makeGenericClientConstructor(
  RetrieveServiceWithChunkCodec,
  'dicomesh.v1.Retrieve',
) as unknown as typeof RetrieveClient;
