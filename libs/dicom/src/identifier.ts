import { deflateRawSync } from 'node:zlib';
import { encodeText } from './character-set-encoder.js';
import { lookupElement } from './dictionary.js';
import { ElementEventKind, ElementReader, UNDEFINED_LENGTH } from './element-reader.js';
import { decodeElementValue } from './element-value.js';
import { DicomEncodeError, UnsupportedTransferSyntaxError } from './errors.js';
import { inflateDataSet } from './inflate.js';
import { parseTag, type Tag, Tags, tagToHex } from './tag.js';
import { type TransferSyntaxInfo, transferSyntax } from './transfer-syntax.js';
import { hasLongLength, isStringVr, usesCharacterSet, type Vr } from './vr.js';

/**
 * A value of an identifier attribute (C-FIND keys and responses, C-MOVE/C-GET identifiers):
 * null (or '') is zero length (universal matching in a request), strings for string VRs, numbers for
 * binary numbers (and IS/DS), arrays for several values, Identifier[] for a sequence's items, bytes
 * for OB/OW/UN (written as given).
 */
export type IdentifierValue =
  | null
  | string
  | number
  | bigint
  | readonly string[]
  | readonly number[]
  | readonly bigint[]
  | Uint8Array
  | readonly Identifier[];

/** Attributes by keyword (`PatientName`) or, for private/unknown ones, by `GGGGEEEE` hex tag. */
export interface Identifier {
  [keywordOrTag: string]: IdentifierValue;
}

export interface EncodeIdentifierOptions {
  /** Character set of text when the identifier has no SpecificCharacterSet of its own (e.g. the enclosing data set's). */
  readonly specificCharacterSet?: readonly string[];
  /** VR for attributes given by hex tag that the dictionary does not know (default UN). */
  readonly vrs?: Readonly<Record<string, Vr>>;
}

function resolve(key: string, options: EncodeIdentifierOptions): { tag: Tag; vr: Vr } {
  const entry = lookupElement(key);
  if (entry?.vr) return { tag: entry.tag, vr: entry.vr };
  const t = parseTag(key);
  if (t === undefined) throw new DicomEncodeError('unknown attribute keyword', key);
  const vr = options.vrs?.[key] ?? lookupElement(t)?.vr ?? 'UN';
  return { tag: t, vr };
}

const asciiEncoder = (text: string, keyword: string): Uint8Array => {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f)
      throw new DicomEncodeError('non-ASCII character in a value of a VR without character set', keyword);
    out[i] = c;
  }
  return out;
};

class Writer {
  readonly #le: boolean;
  readonly #explicit: boolean;
  constructor(ts: TransferSyntaxInfo) {
    this.#le = ts.littleEndian;
    this.#explicit = ts.explicitVr;
  }

  dataSet(
    identifier: Identifier,
    options: EncodeIdentifierOptions,
    charset: readonly string[],
  ): Uint8Array[] {
    const own = identifier.SpecificCharacterSet;
    const itemCharset =
      own === undefined || own === null
        ? charset
        : typeof own === 'string'
          ? [own]
          : (own as readonly string[]);
    const elements = Object.entries(identifier)
      .map(([key, value]) => ({ key, value, ...resolve(key, options) }))
      .sort((a, b) => a.tag - b.tag);
    const parts: Uint8Array[] = [];
    for (const { key, value, tag, vr } of elements) {
      if (tag >>> 16 === 0x0002)
        throw new DicomEncodeError('group 0002 belongs in the file meta header', key);
      if (vr === 'SQ') {
        // One push per part: spreading a sequence of many items into push() overflows the call stack.
        for (const part of this.sequence(key, tag, value, options, itemCharset)) parts.push(part);
      } else {
        const bytes = this.value(key, vr, value, itemCharset);
        parts.push(this.header(key, tag, vr, bytes.length), bytes);
      }
    }
    return parts;
  }

  sequence(
    key: string,
    tag: Tag,
    value: IdentifierValue,
    options: EncodeIdentifierOptions,
    charset: readonly string[],
  ) {
    const items = value === null || value === '' ? [] : value;
    if (
      !Array.isArray(items) ||
      items.some((i) => typeof i !== 'object' || i === null || i instanceof Uint8Array)
    ) {
      throw new DicomEncodeError('a sequence takes an array of items (objects)', key);
    }
    const body: Uint8Array[] = [];
    for (const item of items as Identifier[]) {
      const content = this.dataSet(item, options, charset);
      const length = content.reduce((n, p) => n + p.length, 0);
      body.push(this.delimiter(Tags.Item, length), ...content);
    }
    const length = body.reduce((n, p) => n + p.length, 0);
    return [this.header(key, tag, 'SQ', length), ...body];
  }

  delimiter(t: Tag, length: number): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint16(0, t >>> 16, this.#le);
    view.setUint16(2, t & 0xffff, this.#le);
    view.setUint32(4, length, this.#le);
    return out;
  }

  header(key: string, t: Tag, vr: Vr, length: number): Uint8Array {
    if (!this.#explicit) return this.delimiter(t, length);
    const long = hasLongLength(vr);
    if (!long && length > 0xffff)
      throw new DicomEncodeError(`value of ${length} bytes is too long for ${vr}`, key);
    const out = new Uint8Array(long ? 12 : 8);
    const view = new DataView(out.buffer);
    view.setUint16(0, t >>> 16, this.#le);
    view.setUint16(2, t & 0xffff, this.#le);
    out[4] = vr.charCodeAt(0);
    out[5] = vr.charCodeAt(1);
    if (long) view.setUint32(8, length, this.#le);
    else view.setUint16(6, length, this.#le);
    return out;
  }

  value(key: string, vr: Vr, value: IdentifierValue, charset: readonly string[]): Uint8Array {
    if (value === null || value === '') return new Uint8Array(0);
    if (value instanceof Uint8Array) return value.length % 2 ? Uint8Array.from([...value, 0]) : value;
    const values: readonly (string | number | bigint)[] = Array.isArray(value) ? value : [value as string];
    if (values.some((v) => typeof v === 'object')) throw new DicomEncodeError(`items given for ${vr}`, key);
    if (isStringVr(vr)) {
      const text = values.map((v) => String(v)).join('\\');
      const bytes = usesCharacterSet(vr) ? encodeText(text, charset, vr) : asciiEncoder(text, key);
      if (bytes.length % 2 === 0) return bytes;
      const padded = new Uint8Array(bytes.length + 1);
      padded.set(bytes);
      padded[bytes.length] = vr === 'UI' ? 0x00 : 0x20;
      return padded;
    }
    return this.numbers(key, vr, values);
  }

  numbers(key: string, vr: Vr, values: readonly (string | number | bigint)[]): Uint8Array {
    const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 }[vr as string];
    if (size === undefined) throw new DicomEncodeError(`${vr} values must be given as bytes`, key);
    const out = new Uint8Array(size * values.length);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => {
      const o = i * size;
      if (vr === 'SV' || vr === 'UV') {
        const big = BigInt(v);
        if (vr === 'SV') view.setBigInt64(o, big, this.#le);
        else view.setBigUint64(o, big, this.#le);
        return;
      }
      const n = Number(v);
      if (Number.isNaN(n)) throw new DicomEncodeError(`${JSON.stringify(v)} is not a number`, key);
      if (vr === 'US') view.setUint16(o, n, this.#le);
      else if (vr === 'SS') view.setInt16(o, n, this.#le);
      else if (vr === 'UL') view.setUint32(o, n, this.#le);
      else if (vr === 'SL') view.setInt32(o, n, this.#le);
      else if (vr === 'FL') view.setFloat32(o, n, this.#le);
      else if (vr === 'FD') view.setFloat64(o, n, this.#le);
      else {
        view.setUint16(o, n >>> 16, this.#le);
        view.setUint16(o + 2, n & 0xffff, this.#le);
      }
    });
    return out;
  }
}

function syntaxOf(transferSyntaxUid: string, what: string): TransferSyntaxInfo {
  const ts = transferSyntax(transferSyntaxUid);
  if (!ts || ts.encapsulated) throw new UnsupportedTransferSyntaxError(transferSyntaxUid, what);
  return ts;
}

/**
 * Encode an identifier (keyword -> value) as a data set in a native transfer syntax: implicit or
 * explicit VR, little or big endian, deflated. Sequences are written with defined lengths.
 */
export function encodeIdentifier(
  identifier: Identifier,
  transferSyntaxUid: string,
  options: EncodeIdentifierOptions = {},
): Uint8Array {
  const ts = syntaxOf(transferSyntaxUid, 'encoding an identifier');
  const parts = new Writer(ts).dataSet(identifier, options, options.specificCharacterSet ?? []);
  const bytes = Buffer.concat(parts);
  return ts.deflated ? deflateRawSync(bytes) : bytes;
}

/**
 * Inflated bytes a deflated identifier may take: C-FIND keys and responses and C-MOVE/C-GET identifiers are a few
 * KiB (one listing 20,000 referenced instances in a sequence is about 1.6 MiB). A deflate bomb stops here, in
 * milliseconds.
 */
export const MAX_IDENTIFIER_INFLATED_BYTES = 8 * 1024 * 1024;

/**
 * Decode a data set (an identifier) into keyword -> value; text is decoded with the Specific
 * Character Set in effect (an item's own (0008,0005) overrides its parent's). Private and unknown
 * attributes are keyed by `GGGGEEEE`. Pixel Data and later top-level attributes are left out. A deflated one
 * that inflates to more than MAX_IDENTIFIER_INFLATED_BYTES is refused with InflateLimitError (a DicomParseError).
 */
export function decodeIdentifier(bytes: Uint8Array, transferSyntaxUid: string): Identifier {
  const ts = syntaxOf(transferSyntaxUid, 'decoding an identifier');
  const reader = new ElementReader(
    { explicitVr: ts.explicitVr, littleEndian: ts.littleEndian },
    { capture: () => true, maxCaptureLength: 64 * 1024 * 1024 },
  );
  const input = ts.deflated ? inflateDataSet(bytes, MAX_IDENTIFIER_INFLATED_BYTES) : bytes;
  const events = [...reader.push(input), ...reader.end()];

  interface Frame {
    readonly identifier: Identifier;
    charset: readonly string[];
    /** Items of the sequence being read in this data set. */
    items: Identifier[] | undefined;
  }
  const root: Frame = { identifier: {}, charset: [], items: undefined };
  const stack: Frame[] = [root];
  for (const event of events) {
    const frame = stack.at(-1)!;
    switch (event.kind) {
      case ElementEventKind.Element: {
        const { tag, vr, littleEndian, length } = event.element;
        const key = lookupElement(tag)?.keyword ?? tagToHex(tag);
        if (event.opensSequence) {
          frame.items = [];
          frame.identifier[key] = frame.items;
          if (vr !== 'SQ' && length === UNDEFINED_LENGTH) frame.identifier[key] = null; // fragments: not kept
          break;
        }
        const value = event.value ?? new Uint8Array(0);
        const decoded = decodeElementValue(value, vr, littleEndian, frame.charset);
        if (tag === Tags.SpecificCharacterSet) frame.charset = decoded as string[];
        frame.identifier[key] = simplify(decoded, vr);
        break;
      }
      case ElementEventKind.ItemStart: {
        const item: Identifier = {};
        frame.items?.push(item);
        stack.push({ identifier: item, charset: frame.charset, items: undefined });
        break;
      }
      case ElementEventKind.ItemEnd:
        stack.pop();
        break;
      default:
        break;
    }
  }
  return root.identifier;
}

function simplify(decoded: ReturnType<typeof decodeElementValue>, vr: Vr): IdentifierValue {
  if (decoded instanceof Uint8Array) return decoded.length === 0 ? null : decoded;
  if (decoded.length === 0) return null;
  if (decoded.length === 1 && vr !== 'SQ') return decoded[0]!;
  return decoded;
}
