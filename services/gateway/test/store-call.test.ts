import { StoreRequest } from '@dicomesh/rpc';
import { describe, expect, it } from 'vitest';
import { encodeChunkRequest } from '../src/store-call.js';

/** Chunk lengths at the varint boundaries of the length prefix (1, 2, 3 and 4 bytes). */
const EDGES = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152];

describe('encodeChunkRequest', () => {
  it.each(EDGES)('encodes a %i-byte chunk exactly as the generated encoder does', (length) => {
    const chunk = Buffer.alloc(length);
    for (let i = 0; i < length; i++) chunk[i] = (i * 31) & 0xff;
    const ours = encodeChunkRequest(chunk);
    const generated = Buffer.from(StoreRequest.encode({ part: { $case: 'chunk', value: chunk } }).finish());
    expect(ours.equals(generated)).toBe(true);
    const decoded = StoreRequest.decode(ours);
    expect(decoded.part?.$case).toBe('chunk');
    expect(Buffer.from(decoded.part?.value as Uint8Array).equals(chunk)).toBe(true);
  });
});
