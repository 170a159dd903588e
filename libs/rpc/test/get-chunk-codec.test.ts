/** Get's chunk codec: the same bytes as the generated encoder, chunks decoded as views, the rest unchanged. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GetResponse } from '../src/generated/dicomesh/v1/retrieve.js';
import { chunkCopied, deserializeGetResponse, serializeGetResponse } from '../src/index.js';

const generatedBytes = (message: GetResponse): Buffer => Buffer.from(GetResponse.encode(message).finish());

/** The chunk a message carries (fails the test when it carries something else). */
function chunkOf(message: GetResponse): Buffer {
  if (message.part?.$case !== 'chunk') throw new Error(`not a chunk: ${message.part?.$case}`);
  return message.part.value;
}

describe('Retrieve.Get chunk codec', () => {
  it('encodes a chunk byte for byte as the generated encoder does, for every length of its varint', () => {
    for (const size of [0, 1, 127, 128, 16_383, 16_384, 1024 * 1024, 2_097_152 + 3]) {
      const message: GetResponse = { part: { $case: 'chunk', value: randomBytes(size) } };
      const bytes = serializeGetResponse(message);
      expect(bytes.equals(generatedBytes(message)), `size ${size}`).toBe(true);
      const back = deserializeGetResponse(Buffer.from(bytes));
      expect(back.part?.$case).toBe('chunk');
      expect(chunkOf(back).equals(chunkOf(message))).toBe(true);
    }
  });

  it('decodes a chunk as a view of the received message (no copy)', () => {
    const received = serializeGetResponse({ part: { $case: 'chunk', value: randomBytes(5000) } });
    const part = deserializeGetResponse(received).part;
    expect(part?.$case).toBe('chunk');
    expect(chunkOf({ part } as GetResponse).buffer).toBe(received.buffer);
  });

  it('leaves every other message to the generated code, and a chunk followed by another field too', () => {
    const others: GetResponse[] = [
      {
        part: {
          $case: 'instance',
          value: { sopClassUid: '1.2', sopInstanceUid: '1.2.3', transferSyntaxUid: '1.2.840.10008.1.2.1' },
        },
      },
      { part: { $case: 'instanceEnd', value: {} } },
      { part: { $case: 'progress', value: { remaining: 3, completed: 1, failed: 0, warning: 0 } } },
    ];
    for (const message of others) {
      const bytes = serializeGetResponse(message);
      expect(bytes.equals(generatedBytes(message))).toBe(true);
      expect(deserializeGetResponse(bytes)).toEqual(GetResponse.decode(bytes));
    }
    // Two chunk fields in one message (the last wins in protobuf): not the fast path's single field.
    const twice = Buffer.concat([
      serializeGetResponse({ part: { $case: 'chunk', value: Buffer.from('first') } }),
      serializeGetResponse({ part: { $case: 'chunk', value: Buffer.from('second') } }),
    ]);
    expect(deserializeGetResponse(twice)).toEqual(GetResponse.decode(twice));
    expect(chunkOf(deserializeGetResponse(twice)).toString()).toBe('second');
  });

  it('tells a sender reusing buffers when a chunk was copied out: at its serialization, not before', async () => {
    const chunk = randomBytes(1000);
    const other = randomBytes(1000);
    let copied = false;
    void chunkCopied(chunk).then(() => {
      copied = true;
    });
    serializeGetResponse({ part: { $case: 'chunk', value: other } });
    await Promise.resolve();
    expect(copied).toBe(false);
    const bytes = serializeGetResponse({ part: { $case: 'chunk', value: chunk } });
    await Promise.resolve();
    expect(copied).toBe(true);
    // What was serialized is the bytes as they were then, whatever the buffer holds next.
    const before = Buffer.from(chunk);
    chunk.fill(0);
    expect(chunkOf(deserializeGetResponse(bytes)).equals(before)).toBe(true);
  });
});
