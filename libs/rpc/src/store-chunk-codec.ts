/**
 * The Storage service with a faster codec for `Store`'s data set chunks, which carry every byte of a
 * C-STORE: the gateway writes a chunk request from the pieces of the data set it received, in one copy, and
 * storage reads it back as a view of the received message (chunk-wire.ts). Every other request (the header,
 * the end) goes through the generated code.
 */
import { encodeLengthDelimited, lengthDelimitedTag, lengthDelimitedView } from './chunk-wire.js';
import { StorageService, type StoreRequest } from './generated/dicomesh/v1/storage.js';

/** `StoreRequest.chunk`: field 2. */
const CHUNK_TAG = lengthDelimitedTag(2);

/** The `StoreRequest` of a chunk made of `pieces` (together `total` bytes), as its wire bytes. */
export function encodeStoreChunk(pieces: readonly Uint8Array[], total: number): Buffer {
  return encodeLengthDelimited(CHUNK_TAG, pieces, total);
}

/** A StoreRequest from its wire bytes: a lone chunk as a view of them, anything else by the generated decoder. */
export function deserializeStoreRequest(bytes: Buffer): StoreRequest {
  const chunk = lengthDelimitedView(bytes, CHUNK_TAG);
  if (chunk !== undefined) return { part: { $case: 'chunk', value: chunk } };
  return StorageService.store.requestDeserialize(bytes);
}

/** StorageService with the chunk codec on Store's requests (what the storage server registers). */
export const StorageServiceWithChunkCodec = {
  ...StorageService,
  store: { ...StorageService.store, requestDeserialize: deserializeStoreRequest },
} as const;
