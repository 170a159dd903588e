/**
 * P-DATA-TF decoding over the transport's reads as they came, without joining them into one PDU buffer: a large
 * data set fragment (a CT slice arrives in 256 KiB PDUs, read 64 KiB at a time) stays a list of views into the
 * reads, so it is copied once, by whoever consumes it, instead of once per layer. Small fragments (commands,
 * small data sets) are joined as before. The same checks as `decodePduBody`: at least one item, item lengths at
 * least 2 and not overrunning the PDU, odd presentation context IDs. An invalid body yields undefined and the
 * caller decodes it joined, for the exact error.
 */
import type { PresentationDataValue } from './association-api.js';
import type { PDataTfPdu } from './pdu.js';
import { PduType } from './pdu-type.js';

/** Fragments up to this length that span reads are joined into one buffer; longer ones stay slices. */
export const PDV_JOIN_LIMIT = 64 * 1024;
/** Item length (4) + presentation context ID (1) + message control header (1). */
const PDV_ITEM_HEADER_LENGTH = 6;
/** Presentation context ID and message control header, counted in the item length. */
const PDV_ITEM_MIN_LENGTH = 2;

/** A received PDV whose fragment is several views into the transport's reads; `data` joins them on first use. */
class SlicedPresentationDataValue implements PresentationDataValue {
  private joined: Buffer | undefined;

  constructor(
    readonly contextId: number,
    readonly isCommand: boolean,
    readonly isLast: boolean,
    readonly slices: readonly Buffer[],
    private readonly length: number,
  ) {}

  get data(): Buffer {
    this.joined ??= Buffer.concat(this.slices, this.length);
    return this.joined;
  }
}

/** Reads consecutive byte ranges out of a list of buffers, as views. */
class SliceCursor {
  private index = 0;
  private offset = 0;

  constructor(private readonly chunks: readonly Buffer[]) {}

  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const chunk = this.chunks[this.index]!;
      const m = Math.min(left, chunk.length - this.offset);
      out.push(chunk.subarray(this.offset, this.offset + m));
      left -= m;
      this.offset += m;
      if (this.offset === chunk.length) {
        this.index++;
        this.offset = 0;
      }
    }
    return out;
  }
}

function joined(slices: Buffer[], length: number): Buffer {
  return slices.length === 1 ? slices[0]! : Buffer.concat(slices, length);
}

/**
 * Decode a P-DATA-TF variable field held as `chunks` (together `length` bytes). Undefined when the body is
 * invalid (nothing is delivered then: the caller reports the error).
 */
export function decodePDataSlices(chunks: readonly Buffer[], length: number): PDataTfPdu | undefined {
  if (length === 0) return undefined;
  const cursor = new SliceCursor(chunks);
  const pdvs: PresentationDataValue[] = [];
  let remaining = length;
  while (remaining > 0) {
    if (remaining < PDV_ITEM_HEADER_LENGTH) return undefined;
    const header = joined(cursor.take(PDV_ITEM_HEADER_LENGTH), PDV_ITEM_HEADER_LENGTH);
    const itemLength = header.readUInt32BE(0);
    if (itemLength < PDV_ITEM_MIN_LENGTH || itemLength > remaining - 4) return undefined;
    const contextId = header.readUInt8(4);
    if (contextId % 2 === 0) return undefined;
    const control = header.readUInt8(5);
    const isCommand = (control & 1) !== 0;
    const isLast = (control & 2) !== 0;
    const dataLength = itemLength - PDV_ITEM_MIN_LENGTH;
    const slices = cursor.take(dataLength);
    remaining -= 4 + itemLength;
    if (slices.length <= 1 || dataLength <= PDV_JOIN_LIMIT) {
      const data = slices.length === 0 ? Buffer.alloc(0) : joined(slices, dataLength);
      pdvs.push({ contextId, isCommand, isLast, data });
    } else {
      pdvs.push(new SlicedPresentationDataValue(contextId, isCommand, isLast, slices, dataLength));
    }
  }
  return { type: PduType.PDataTf, pdvs };
}
