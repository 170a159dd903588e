/**
 * Test support: a minimal data set helper, to write flat identifiers of string elements and to read
 * top-level elements out of a data set (implicit VR LE, explicit VR LE/BE; deflated ones are inflated
 * first). Independent of `@dicomesh/dicom` on purpose: the tests check the library with a second reader.
 */
import { inflateRawSync } from 'node:zlib';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = ['1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.4.95'];
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

interface Syntax {
  readonly explicit: boolean;
  readonly little: boolean;
}

export function syntaxOf(transferSyntaxUid: string): Syntax {
  return { explicit: transferSyntaxUid !== IMPLICIT_LE, little: transferSyntaxUid !== EXPLICIT_BE };
}

export interface FlatElement {
  readonly tag: number;
  readonly vr: string;
  /** Values joined with backslash. */
  readonly value: string;
}

/** Encode string elements (sorted by tag), each padded to even length, in the given transfer syntax. */
export function encodeFlatDataSet(elements: readonly FlatElement[], transferSyntaxUid: string): Buffer {
  if (DEFLATED.includes(transferSyntaxUid)) throw new RangeError('minimal data set writer: deflated syntax');
  const { explicit, little } = syntaxOf(transferSyntaxUid);
  const parts: Buffer[] = [];
  for (const e of [...elements].sort((a, b) => a.tag - b.tag)) {
    let value = Buffer.from(e.value, 'latin1');
    if (value.length % 2) value = Buffer.concat([value, Buffer.from([e.vr === 'UI' ? 0 : 0x20])]);
    const header = Buffer.alloc(explicit ? 8 : 8);
    const u16 = (v: number, o: number) => (little ? header.writeUInt16LE(v, o) : header.writeUInt16BE(v, o));
    u16(e.tag >>> 16, 0);
    u16(e.tag & 0xffff, 2);
    if (explicit) {
      if (LONG_VRS.has(e.vr)) throw new RangeError(`minimal data set writer: VR ${e.vr}`);
      header.write(e.vr, 4, 'latin1');
      u16(value.length, 6);
    } else if (little) header.writeUInt32LE(value.length, 4);
    parts.push(header, value);
  }
  return Buffer.concat(parts);
}

export interface RawElement {
  readonly vr: string | undefined;
  readonly value: Buffer;
}

/**
 * Read the top-level elements of a data set (sequences and encapsulated pixel data are skipped as raw
 * values or, when of undefined length, stepped over). Stops at `stopBeforeTag` when given.
 */
export function readTopLevel(
  bytes: Buffer,
  transferSyntaxUid: string,
  stopBeforeTag = 0x7fe00010,
): Map<number, RawElement> {
  const data = DEFLATED.includes(transferSyntaxUid) ? inflateRawSync(bytes) : bytes;
  const syntax = syntaxOf(transferSyntaxUid);
  const out = new Map<number, RawElement>();
  let offset = 0;
  while (offset + 8 <= data.length) {
    const el = readElementHeader(data, offset, syntax);
    if (el.tag >= stopBeforeTag) break;
    if (el.length === UNDEFINED) {
      offset = skipUndefined(
        data,
        el.valueOffset,
        syntax,
        el.vr === undefined || el.vr === 'SQ' || el.vr === 'UN',
      );
      out.set(el.tag, { vr: el.vr, value: Buffer.alloc(0) });
      continue;
    }
    out.set(el.tag, { vr: el.vr, value: data.subarray(el.valueOffset, el.valueOffset + el.length) });
    offset = el.valueOffset + el.length;
  }
  return out;
}

function readElementHeader(data: Buffer, offset: number, syntax: Syntax) {
  // Item and delimitation tags are always implicit-style (tag + 4-byte length).
  const little = syntax.little;
  const u16 = (o: number) => (little ? data.readUInt16LE(o) : data.readUInt16BE(o));
  const u32 = (o: number) => (little ? data.readUInt32LE(o) : data.readUInt32BE(o));
  const tag = ((u16(offset) << 16) | u16(offset + 2)) >>> 0;
  if (!syntax.explicit || tag >>> 16 === 0xfffe) {
    return { tag, vr: undefined as string | undefined, length: u32(offset + 4), valueOffset: offset + 8 };
  }
  const vr = data.toString('latin1', offset + 4, offset + 6);
  if (LONG_VRS.has(vr)) return { tag, vr, length: u32(offset + 8), valueOffset: offset + 12 };
  return { tag, vr, length: u16(offset + 6), valueOffset: offset + 8 };
}

/** Step over an undefined-length value (items up to the sequence delimiter); returns the offset after it. */
function skipUndefined(data: Buffer, offset: number, syntax: Syntax, itemsAreDataSets: boolean): number {
  let o = offset;
  while (o + 8 <= data.length) {
    const item = readElementHeader(data, o, { ...syntax, explicit: false });
    if (item.tag === 0xfffee0dd) return item.valueOffset;
    if (item.tag !== 0xfffee000) throw new RangeError(`minimal data set reader: expected an item at ${o}`);
    if (item.length !== UNDEFINED) {
      o = item.valueOffset + item.length;
      continue;
    }
    if (!itemsAreDataSets) throw new RangeError('minimal data set reader: undefined-length fragment');
    o = item.valueOffset;
    for (;;) {
      const el = readElementHeader(data, o, syntax);
      if (el.tag === 0xfffee00d) {
        o = el.valueOffset;
        break;
      }
      o =
        el.length === UNDEFINED
          ? skipUndefined(data, el.valueOffset, syntax, true)
          : el.valueOffset + el.length;
    }
  }
  throw new RangeError('minimal data set reader: sequence without delimiter');
}

/** A string element's value, padding trimmed. */
export function stringValue(elements: Map<number, RawElement>, tag: number): string | undefined {
  const e = elements.get(tag);
  return e
    ? e.value
        .toString('latin1')
        .replace(/[\0 ]+$/, '')
        .trimStart()
    : undefined;
}
