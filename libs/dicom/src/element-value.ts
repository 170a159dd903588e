import { decodeText } from './character-set.js';
import { isSingleValueText, isStringVr, usesCharacterSet, type Vr } from './vr.js';

/** A decoded element value: strings for string VRs, numbers for binary numbers and IS/DS, bytes otherwise. */
export type ElementValue = readonly string[] | readonly number[] | readonly bigint[] | Uint8Array;

/** Remove the padding PS3.5 6.2 allows: trailing spaces (and NUL for UI); leading spaces too where insignificant. */
function trimValue(s: string, vr: Vr): string {
  if (vr === 'UI') return s.replace(/[\0 ]+$/, '');
  if (vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UC' || vr === 'UR')
    return s.replace(/[\0 ]+$/, '');
  return s.replace(/^ +/, '').replace(/[\0 ]+$/, '');
}

/**
 * Decode the value bytes of an element of VR `vr`. Text is decoded with the Specific Character Set
 * for the VRs it applies to (PS3.5 6.1.2.3), the others are ASCII. Multiple values are split on '\'
 * after decoding (a multi-byte set may contain 0x5C inside a character).
 */
export function decodeElementValue(
  bytes: Uint8Array,
  vr: Vr,
  littleEndian: boolean,
  specificCharacterSet: readonly string[] = [],
): ElementValue {
  if (isStringVr(vr)) {
    const text = usesCharacterSet(vr)
      ? decodeText(bytes, specificCharacterSet, vr)
      : decodeText(bytes, [], vr);
    if (text.length === 0) return [];
    const parts = isSingleValueText(vr) ? [text] : text.split('\\');
    let values = parts.map((p) => trimValue(p, vr));
    // Trailing empty component groups and their '=' may be omitted (PS3.5 6.2.1.1): drop them.
    if (vr === 'PN') values = values.map((v) => v.replace(/=+$/, ''));
    if (vr === 'IS' || vr === 'DS') return values.map((v) => (v === '' ? Number.NaN : Number(v)));
    return values;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = <T>(size: number, get: (offset: number) => T): T[] => {
    const out: T[] = [];
    for (let o = 0; o + size <= bytes.length; o += size) out.push(get(o));
    return out;
  };
  switch (vr) {
    case 'US':
      return read(2, (o) => view.getUint16(o, littleEndian));
    case 'SS':
      return read(2, (o) => view.getInt16(o, littleEndian));
    case 'UL':
      return read(4, (o) => view.getUint32(o, littleEndian));
    case 'SL':
      return read(4, (o) => view.getInt32(o, littleEndian));
    case 'FL':
      return read(4, (o) => view.getFloat32(o, littleEndian));
    case 'FD':
      return read(8, (o) => view.getFloat64(o, littleEndian));
    case 'SV':
      return read(8, (o) => view.getBigInt64(o, littleEndian));
    case 'UV':
      return read(8, (o) => view.getBigUint64(o, littleEndian));
    case 'AT':
      return read(
        4,
        (o) => ((view.getUint16(o, littleEndian) << 16) | view.getUint16(o + 2, littleEndian)) >>> 0,
      );
    default:
      return bytes;
  }
}
