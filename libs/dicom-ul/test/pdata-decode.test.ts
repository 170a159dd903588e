import { describe, expect, it } from 'vitest';
import { decodePduBody, type Pdu, PduDecodeError, PduStreamDecoder, PduType } from '../src/index.js';

type PDataTf = Extract<Pdu, { type: typeof PduType.PDataTf }>;

/** A P-DATA-TF variable field from PDV items given as [item length, context ID, control, data]. */
function body(...items: [number, number, number, Buffer][]): Buffer {
  return Buffer.concat(
    items.map(([length, contextId, control, data]) => {
      const header = Buffer.alloc(6);
      header.writeUInt32BE(length, 0);
      header[4] = contextId;
      header[5] = control;
      return Buffer.concat([header, data]);
    }),
  );
}

const errorOf = (b: Buffer): string => {
  try {
    decodePduBody(PduType.PDataTf, b);
  } catch (error) {
    expect(error).toBeInstanceOf(PduDecodeError);
    return (error as Error).message;
  }
  throw new Error('decoded');
};

describe('P-DATA-TF decoding in one buffer', () => {
  it('gives each PDV its flags and its fragment as a view of the PDU, several items in order', () => {
    const b = body(
      [6, 1, 0b11, Buffer.from('cmnd')],
      [2, 3, 0b00, Buffer.alloc(0)],
      [5, 5, 0b10, Buffer.from('end')],
    );
    const pdu = decodePduBody(PduType.PDataTf, b) as PDataTf;
    expect(pdu.pdvs.map((p) => [p.contextId, p.isCommand, p.isLast, p.data.toString()])).toEqual([
      [1, true, true, 'cmnd'],
      [3, false, false, ''],
      [5, false, true, 'end'],
    ]);
    for (const p of pdu.pdvs) expect(p.data.buffer).toBe(b.buffer);
  });

  it('names the item and field of every malformed body, as the field-by-field reader does', () => {
    expect(errorOf(Buffer.alloc(0))).toBe(
      'P-DATA-TF: presentation data value items: none (at least one is required)',
    );
    expect(errorOf(body([1, 1, 0, Buffer.alloc(0)]).subarray(0, 5))).toBe(
      'P-DATA-TF: PDV item at offset 6: item length 1 under 2',
    );
    expect(errorOf(body([4, 1, 3, Buffer.alloc(2)], [9, 1, 3, Buffer.alloc(2)]))).toBe(
      'P-DATA-TF: PDV item at offset 14: length 9 at offset 18 overruns its parent (4 bytes left)',
    );
    expect(errorOf(body([4, 1, 3, Buffer.alloc(2)], [2, 4, 3, Buffer.alloc(0)]))).toBe(
      'P-DATA-TF: PDV item at offset 14: presentation context ID: 4 is even',
    );
    expect(errorOf(body([4, 1, 3, Buffer.alloc(2)]).subarray(0, 7))).toMatch(/overruns its parent/);
    expect(errorOf(Buffer.concat([body([2, 1, 3, Buffer.alloc(0)]), Buffer.from([0, 0, 0])]))).toMatch(
      /PDV item at offset 12: item length: offset 15 past end/,
    );
  });
});

describe('PDU stream decoder over reads of every shape', () => {
  it('delivers PDUs whose header and body lie in one read, span reads, or share reads with others', () => {
    const pdus: PDataTf[] = [];
    const errors: PduDecodeError[] = [];
    const decoder = new PduStreamDecoder({
      maxPDataLength: 1024,
      onPdu: (pdu) => pdus.push(pdu as PDataTf),
      onError: (error) => errors.push(error),
    });
    const pdu = (text: string) => {
      const b = body([2 + text.length, 1, 0b10, Buffer.from(text)]);
      const header = Buffer.from([PduType.PDataTf, 0, 0, 0, 0, 0]);
      header.writeUInt32BE(b.length, 2);
      return Buffer.concat([header, b]);
    };
    const stream = Buffer.concat([pdu('one'), pdu('two'), pdu('three'), pdu('four')]);
    // Two whole PDUs and the start of a header; the rest of that header; its body and the next PDU's start; the rest.
    const cuts = [pdu('one').length + pdu('two').length + 3, 3, 14, stream.length];
    let at = 0;
    for (const cut of cuts) {
      decoder.push(stream.subarray(at, Math.min(at + cut, stream.length)));
      at = Math.min(at + cut, stream.length);
    }
    expect(errors).toEqual([]);
    expect(pdus.map((p) => p.pdvs[0]?.data.toString())).toEqual(['one', 'two', 'three', 'four']);
    expect(decoder.buffered).toBe(0);
  });
});
