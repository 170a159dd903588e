import { decodeElementValue } from './element-value.js';
import { DicomEncodeError, DicomParseError, IncompleteInputError } from './errors.js';
import { formatTag, Tags } from './tag.js';
import { stripUidPadding, validateUid } from './uid.js';
import { hasLongLength, isVr } from './vr.js';

/** Bytes before the first meta element: 128-byte preamble and "DICM" (PS3.10 7.1). */
export const PART10_PREFIX_LENGTH = 132;
const DICM = [0x44, 0x49, 0x43, 0x4d] as const;

export interface FileMetaHeaderOptions {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly implementationClassUid: string;
  readonly implementationVersionName?: string;
  readonly sourceAeTitle?: string;
}

/** The File Meta Information (PS3.10 7.1) as read from a file. */
export interface FileMetaInformation {
  readonly fileMetaInformationVersion: Uint8Array | undefined;
  readonly mediaStorageSopClassUid: string | undefined;
  readonly mediaStorageSopInstanceUid: string | undefined;
  readonly transferSyntaxUid: string;
  readonly implementationClassUid: string | undefined;
  readonly implementationVersionName: string | undefined;
  readonly sourceApplicationEntityTitle: string | undefined;
}

export interface Part10Split {
  readonly meta: FileMetaInformation;
  /** Offset of the data set's first byte: 132 + the meta group's length. */
  readonly dataSetOffset: number;
  readonly transferSyntaxUid: string;
}

/** One group 0002 element to write: tag element number, VR and its (even-length) ASCII or byte value. */
interface MetaElement {
  readonly element: number;
  readonly vr: 'OB' | 'UI' | 'SH' | 'AE' | 'UL';
  readonly value: string | Uint8Array;
}

const FILE_META_VERSION = Uint8Array.of(0x00, 0x01);
/** Explicit VR Little Endian element header: 8 bytes, 12 for OB (and the other long-length VRs). */
const headerLength = (vr: MetaElement['vr']): number => (hasLongLength(vr) ? 12 : 8);

/** A UID value NUL-padded to even length (PS3.5 9.1), after checking it. */
function uidValue(uid: string, field: string): string {
  const problem = validateUid(uid);
  if (problem) throw new DicomEncodeError(problem.message, field);
  const bare = stripUidPadding(uid);
  return bare.length % 2 ? `${bare}\0` : bare;
}

function paddedText(text: string, field: string, maxLength: number): string {
  if (text.length > maxLength || /[^\x20-\x7e]|\\/.test(text)) {
    throw new DicomEncodeError(`must be at most ${maxLength} printable ASCII characters without '\\'`, field);
  }
  return text.length % 2 ? `${text} ` : text;
}

/** Writes one element at `at`; returns where the next one starts. */
function writeElement(out: Buffer, at: number, { element, vr, value }: MetaElement): number {
  out.writeUInt16LE(0x0002, at);
  out.writeUInt16LE(element, at + 2);
  out.write(vr, at + 4, 'latin1');
  const header = headerLength(vr);
  if (header === 12) out.writeUInt32LE(value.length, at + 8);
  else out.writeUInt16LE(value.length, at + 6);
  if (typeof value === 'string') out.write(value, at + header, 'latin1');
  else out.set(value, at + header);
  return at + header + value.length;
}

/**
 * The 128-byte preamble, "DICM" and the group 0002 elements in Explicit VR Little Endian, with the
 * group length computed, written into one buffer. Throws DicomEncodeError for an invalid UID or title.
 */
export function buildFileMetaHeader(options: FileMetaHeaderOptions): Buffer {
  const elements: MetaElement[] = [
    { element: 0x0001, vr: 'OB', value: FILE_META_VERSION },
    { element: 0x0002, vr: 'UI', value: uidValue(options.sopClassUid, 'MediaStorageSOPClassUID') },
    { element: 0x0003, vr: 'UI', value: uidValue(options.sopInstanceUid, 'MediaStorageSOPInstanceUID') },
    { element: 0x0010, vr: 'UI', value: uidValue(options.transferSyntaxUid, 'TransferSyntaxUID') },
    {
      element: 0x0012,
      vr: 'UI',
      value: uidValue(options.implementationClassUid, 'ImplementationClassUID'),
    },
  ];
  if (options.implementationVersionName !== undefined) {
    const value = paddedText(options.implementationVersionName, 'ImplementationVersionName', 16);
    elements.push({ element: 0x0013, vr: 'SH', value });
  }
  if (options.sourceAeTitle !== undefined) {
    const value = paddedText(options.sourceAeTitle.trim(), 'SourceApplicationEntityTitle', 16);
    elements.push({ element: 0x0016, vr: 'AE', value });
  }
  let groupLength = 0;
  for (const e of elements) groupLength += headerLength(e.vr) + e.value.length;
  const groupLengthElement: MetaElement = { element: 0x0000, vr: 'UL', value: new Uint8Array(4) };
  const out = Buffer.alloc(PART10_PREFIX_LENGTH + 12 + groupLength);
  out.set(DICM, 128);
  let at = writeElement(out, PART10_PREFIX_LENGTH, groupLengthElement);
  out.writeUInt32LE(groupLength, at - 4);
  for (const e of elements) at = writeElement(out, at, e);
  return out;
}

/** A whole Part 10 file: meta header followed by the data set bytes, unchanged. */
export function buildPart10(options: FileMetaHeaderOptions, dataSet: Uint8Array): Buffer {
  return Buffer.concat([buildFileMetaHeader(options), dataSet]);
}

/**
 * Split a Part 10 file (or its beginning) into its File Meta Information and the offset of the data
 * set, which starts right after group 0002 and is to be taken byte for byte (deflated or not).
 * Throws IncompleteInputError if `head` ends inside the meta header, DicomParseError if malformed.
 */
export function parsePart10(head: Uint8Array): Part10Split {
  if (head.length < PART10_PREFIX_LENGTH) {
    throw new IncompleteInputError('Part 10 preamble', head.length, PART10_PREFIX_LENGTH);
  }
  if (!DICM.every((b, i) => head[128 + i] === b)) {
    throw new DicomParseError('not a DICOM Part 10 file: no "DICM" after the 128-byte preamble', 128);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const values = new Map<number, { vr: string; value: Uint8Array }>();
  let offset = PART10_PREFIX_LENGTH;
  let end: number | undefined;
  for (;;) {
    if (end !== undefined && offset >= end) break;
    if (offset + 8 > head.length) {
      if (end === undefined && offset + 2 <= head.length && view.getUint16(offset, true) !== 0x0002) break;
      throw new IncompleteInputError('Part 10 meta header', offset, (end ?? offset + 8) - head.length);
    }
    const group = view.getUint16(offset, true);
    if (group !== 0x0002) {
      if (end !== undefined)
        throw new DicomParseError('meta group ends before its group length says', offset);
      break;
    }
    const t = ((group << 16) | view.getUint16(offset + 2, true)) >>> 0;
    const vr = String.fromCharCode(head[offset + 4]!, head[offset + 5]!);
    if (!isVr(vr))
      throw new DicomParseError(`meta element ${formatTag(t)}: invalid VR ${JSON.stringify(vr)}`, offset);
    let length: number;
    let headerLength: number;
    if (hasLongLength(vr)) {
      if (offset + 12 > head.length) throw new IncompleteInputError('Part 10 meta header', offset);
      length = view.getUint32(offset + 8, true);
      headerLength = 12;
    } else {
      length = view.getUint16(offset + 6, true);
      headerLength = 8;
    }
    if (length === 0xffffffff)
      throw new DicomParseError(`meta element ${formatTag(t)} has undefined length`, offset);
    const valueEnd = offset + headerLength + length;
    if (valueEnd > head.length) {
      throw new IncompleteInputError('Part 10 meta header', offset, valueEnd - head.length);
    }
    const value = head.subarray(offset + headerLength, valueEnd);
    if (t === Tags.FileMetaInformationGroupLength && offset === PART10_PREFIX_LENGTH && length === 4) {
      end = valueEnd + view.getUint32(offset + headerLength, true);
    }
    values.set(t, { vr, value });
    offset = valueEnd;
  }
  const text = (t: number): string | undefined => {
    const e = values.get(t);
    if (!e || !isVr(e.vr)) return undefined;
    const decoded = decodeElementValue(e.value, e.vr, true);
    return Array.isArray(decoded) ? (decoded as string[]).join('\\') : undefined;
  };
  const transferSyntaxUid = text(Tags.TransferSyntaxUid);
  if (!transferSyntaxUid)
    throw new DicomParseError('meta header has no Transfer Syntax UID (0002,0010)', offset);
  const meta: FileMetaInformation = {
    fileMetaInformationVersion: values.get(Tags.FileMetaInformationVersion)?.value.slice(),
    mediaStorageSopClassUid: text(Tags.MediaStorageSopClassUid),
    mediaStorageSopInstanceUid: text(Tags.MediaStorageSopInstanceUid),
    transferSyntaxUid,
    implementationClassUid: text(Tags.ImplementationClassUid),
    implementationVersionName: text(Tags.ImplementationVersionName),
    sourceApplicationEntityTitle: text(Tags.SourceApplicationEntityTitle),
  };
  return { meta, dataSetOffset: offset, transferSyntaxUid };
}
