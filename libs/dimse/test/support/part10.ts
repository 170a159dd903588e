/** Test support: split a DICOM Part 10 file into its meta information and its data set bytes. */
import { readFileSync } from 'node:fs';

export interface Part10 {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** The data set exactly as stored after the meta group. */
  readonly dataset: Buffer;
}

export function readPart10(path: string): Part10 {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 128, 132) !== 'DICM') throw new Error(`${path}: no DICM prefix`);
  let offset = 132;
  const meta = new Map<number, string>();
  while (offset + 8 <= bytes.length && bytes.readUInt16LE(offset) === 0x0002) {
    const element = bytes.readUInt16LE(offset + 2);
    const vr = bytes.toString('latin1', offset + 4, offset + 6);
    let length: number;
    let value: number;
    if (['OB', 'OW', 'UN', 'SQ', 'UT', 'UC', 'UR'].includes(vr)) {
      length = bytes.readUInt32LE(offset + 8);
      value = offset + 12;
    } else {
      length = bytes.readUInt16LE(offset + 6);
      value = offset + 8;
    }
    meta.set(element, bytes.toString('latin1', value, value + length).replace(/[\0 ]+$/, ''));
    offset = value + length;
  }
  return {
    sopClassUid: meta.get(0x0002) ?? '',
    sopInstanceUid: meta.get(0x0003) ?? '',
    transferSyntaxUid: meta.get(0x0010) ?? '',
    dataset: bytes.subarray(offset),
  };
}
