/** Store's chunk codec: the same bytes as the generated encoder, chunks decoded as views, the rest unchanged. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreRequest } from '../src/generated/dicomesh/v1/storage.js';
import { deserializeStoreRequest, encodeStoreChunk, StorageServiceDefinition } from '../src/index.js';

const generatedBytes = (message: StoreRequest): Buffer => Buffer.from(StoreRequest.encode(message).finish());

/** The chunk a request carries (fails the test when it carries something else). */
function chunkOf(message: StoreRequest): Uint8Array {
  if (message.part?.$case !== 'chunk') throw new Error(`not a chunk: ${message.part?.$case}`);
  return message.part.value;
}

describe('Storage.Store chunk codec', () => {
  it('encodes a chunk from its pieces byte for byte as the generated encoder does, for every length of its varint', () => {
    for (const size of [0, 1, 127, 128, 16_383, 16_384, 1024 * 1024, 2_097_152 + 3]) {
      const chunk = randomBytes(size);
      const half = Math.floor(size / 2);
      const bytes = encodeStoreChunk([chunk.subarray(0, half), chunk.subarray(half)], size);
      expect(bytes.equals(generatedBytes({ part: { $case: 'chunk', value: chunk } })), `size ${size}`).toBe(
        true,
      );
      expect(Buffer.from(chunkOf(deserializeStoreRequest(Buffer.from(bytes)))).equals(chunk)).toBe(true);
    }
  });

  it('decodes a chunk as a view of the received message (no copy), as the registered service does', () => {
    const received = encodeStoreChunk([randomBytes(5000)], 5000);
    expect(chunkOf(deserializeStoreRequest(received)).buffer).toBe(received.buffer);
    expect(chunkOf(StorageServiceDefinition.store.requestDeserialize(received)).buffer).toBe(received.buffer);
  });

  it('leaves the header, the end, and a chunk followed by another field to the generated code', () => {
    const others: StoreRequest[] = [
      {
        part: {
          $case: 'header',
          value: {
            sopClassUid: '1.2',
            sopInstanceUid: '1.2.3',
            transferSyntaxUid: '1.2.840.10008.1.2.1',
            priority: 0,
            moveOriginatorAeTitle: '',
            moveOriginatorMessageId: 0,
          },
        },
      },
      { part: { $case: 'end', value: { bytes: 5 * 1024 ** 3 } } },
    ];
    for (const message of others) {
      const bytes = generatedBytes(message);
      expect(deserializeStoreRequest(bytes)).toEqual(StoreRequest.decode(bytes));
    }
    const chunkThenEnd = Buffer.concat([
      encodeStoreChunk([Buffer.from('data')], 4),
      generatedBytes(others[1] as StoreRequest),
    ]);
    expect(deserializeStoreRequest(chunkThenEnd)).toEqual(StoreRequest.decode(chunkThenEnd));
    expect(deserializeStoreRequest(chunkThenEnd).part?.$case).toBe('end');
  });
});
