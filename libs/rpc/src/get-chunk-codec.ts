/**
 * The Retrieve service with a faster codec for `Get`'s data set chunks, which carry every byte of a C-GET:
 * a chunk response is written straight into one buffer (the generated encoder grows a zero-filled buffer
 * by doubling and Buffer.from copies it once more), and read back as a view of the received message (the
 * generated decoder copies the bytes twice). Every other message goes through the generated code.
 */
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import { type GetResponse, type RetrieveClient, RetrieveService } from './generated/dicomesh/v1/retrieve.js';

/** `GetResponse.chunk`: field 2, wire type 2 (length-delimited). */
const CHUNK_TAG = (2 << 3) | 2;
const VARINT_MAX_BYTES = 5;

/** A GetResponse as its wire bytes: a chunk encoded in one copy, anything else by the generated encoder. */
export function serializeGetResponse(value: GetResponse): Buffer {
  if (value.part?.$case !== 'chunk') return RetrieveService.get.responseSerialize(value);
  const chunk = value.part.value;
  const out = Buffer.allocUnsafe(1 + VARINT_MAX_BYTES + chunk.length);
  out[0] = CHUNK_TAG;
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

/** The varint after the tag: [value, offset after it], or undefined when it is not a plain 32-bit length. */
function readLength(bytes: Buffer): [number, number] | undefined {
  let value = 0;
  for (let i = 1, shift = 0; i < bytes.length && i <= VARINT_MAX_BYTES; i++, shift += 7) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  return undefined;
}

/** A GetResponse from its wire bytes: a lone chunk as a view of them, anything else by the generated decoder. */
export function deserializeGetResponse(bytes: Buffer): GetResponse {
  if (bytes[0] === CHUNK_TAG) {
    const length = readLength(bytes);
    // Only a message that is exactly this one field; anything else (unknown fields too) is decoded in full.
    if (length && length[1] + length[0] === bytes.length) {
      return { part: { $case: 'chunk', value: bytes.subarray(length[1]) } };
    }
  }
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
