import { pipeline, Readable } from 'node:stream';
import { createDeflateRaw, createInflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { lookupElement } from './dictionary.js';
import { type ElementEvent, ElementEventKind, ElementReader, UNDEFINED_LENGTH } from './element-reader.js';
import { UnsupportedTransferSyntaxError } from './errors.js';
import { type Tag, Tags } from './tag.js';
import { type TransferSyntaxInfo, transferSyntax } from './transfer-syntax.js';
import { hasLongLength, type Vr } from './vr.js';

const READ_TO_END = 0x1_0000_0000;
const BITS_ALLOCATED = 0x00280100;
const PIXEL_REPRESENTATION = 0x00280103;

/** Size of the units whose bytes are reversed between little and big endian, per VR (0: bytes). */
function swapUnit(vr: Vr): number {
  switch (vr) {
    case 'US':
    case 'SS':
    case 'OW':
    case 'AT':
      return 2;
    case 'UL':
    case 'SL':
    case 'FL':
    case 'OF':
    case 'OL':
      return 4;
    case 'FD':
    case 'OD':
    case 'SV':
    case 'UV':
    case 'OV':
      return 8;
    default:
      return 0;
  }
}

function swapInPlace(bytes: Uint8Array, unit: number): void {
  for (let o = 0; o + unit <= bytes.length; o += unit) bytes.subarray(o, o + unit).reverse();
}

/** Element header in a target encoding. */
function header(t: Tag, vr: Vr, length: number, explicitVr: boolean, le: boolean): Uint8Array {
  const long = explicitVr && hasLongLength(vr);
  const out = new Uint8Array(explicitVr && !long ? 8 : long ? 12 : 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, t >>> 16, le);
  view.setUint16(2, t & 0xffff, le);
  if (!explicitVr) {
    view.setUint32(4, length, le);
    return out;
  }
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, length, le);
  else view.setUint16(6, length, le);
  return out;
}

function delimiter(t: Tag, length: number, le: boolean): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint16(0, t >>> 16, le);
  view.setUint16(2, t & 0xffff, le);
  view.setUint32(4, length, le);
  return out;
}

function nativeSyntax(uid: string, what: string): TransferSyntaxInfo {
  const ts = transferSyntax(uid);
  if (!ts || ts.encapsulated) throw new UnsupportedTransferSyntaxError(uid, what);
  return ts;
}

/**
 * Re-encodes a data set (already inflated) from one native encoding to another, streaming: implicit
 * <-> explicit VR, little <-> big endian. Sequences and items are written with undefined length,
 * group length elements are dropped (their values would be wrong), values are copied (byte-swapped
 * per VR where the byte order changes) without being buffered beyond 64 KiB.
 */
class NativeTranscoder {
  readonly #reader: ElementReader;
  readonly #explicit: boolean;
  readonly #le: boolean;
  readonly #sourceExplicit: boolean;
  #bitsAllocated = 16;
  #pixelRepresentation = 0;
  /** The value being streamed: bytes left, swap unit, and the bytes of a unit split across chunks. */
  #value: { remaining: number; unit: number; carry: Uint8Array; drop: boolean } | undefined;

  constructor(from: TransferSyntaxInfo, to: TransferSyntaxInfo) {
    this.#sourceExplicit = from.explicitVr;
    this.#explicit = to.explicitVr;
    this.#le = to.littleEndian;
    this.#reader = new ElementReader(
      { explicitVr: from.explicitVr, littleEndian: from.littleEndian },
      { stopBeforeTag: READ_TO_END, capture: (e) => e.length <= 65536, emitValueChunks: true },
    );
  }

  push(chunk: Uint8Array): Uint8Array[] {
    return this.#write(this.#reader.push(chunk));
  }

  end(): Uint8Array[] {
    return this.#write(this.#reader.end());
  }

  #write(events: ElementEvent[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const event of events) {
      switch (event.kind) {
        case ElementEventKind.Element: {
          const { tag, length, littleEndian } = event.element;
          let vr = event.element.vr;
          if (event.opensSequence) {
            if (tag === Tags.PixelData)
              throw new UnsupportedTransferSyntaxError('encapsulated', 'transcoding');
            out.push(header(tag, 'SQ', UNDEFINED_LENGTH, this.#explicit, this.#le));
            break;
          }
          const drop = (tag & 0xffff) === 0; // group length
          if (!this.#sourceExplicit) {
            // Implicit VR: resolve PS3.6's VR choices the way DCMTK does.
            const choice = lookupElement(tag)?.vrChoice;
            if (choice === 'OB or OW') vr = this.#bitsAllocated <= 8 ? 'OB' : 'OW';
            else if (choice === 'US or SS') vr = this.#pixelRepresentation === 1 ? 'SS' : 'US';
          }
          if (this.#explicit && !hasLongLength(vr) && length > 0xffff) vr = 'UN';
          const unit = littleEndian !== this.#le ? swapUnit(vr) : 0;
          if (!drop) out.push(header(tag, vr, length, this.#explicit, this.#le));
          if (event.value) {
            if ((tag === BITS_ALLOCATED || tag === PIXEL_REPRESENTATION) && event.value.length >= 2) {
              const n = littleEndian
                ? event.value[0]! | (event.value[1]! << 8)
                : (event.value[0]! << 8) | event.value[1]!;
              if (tag === BITS_ALLOCATED) this.#bitsAllocated = n;
              else this.#pixelRepresentation = n;
            }
            if (unit) swapInPlace(event.value, unit);
            if (!drop) out.push(event.value);
          } else {
            this.#value = { remaining: length, unit, carry: new Uint8Array(0), drop };
          }
          break;
        }
        case ElementEventKind.ValueChunk: {
          const v = this.#value!;
          v.remaining -= event.bytes.length;
          if (v.drop) break;
          if (!v.unit) {
            out.push(new Uint8Array(event.bytes));
            break;
          }
          const joined = new Uint8Array(v.carry.length + event.bytes.length);
          joined.set(v.carry);
          joined.set(event.bytes, v.carry.length);
          const whole = v.remaining === 0 ? joined.length : joined.length - (joined.length % v.unit);
          const ready = joined.subarray(0, whole);
          swapInPlace(ready, v.unit);
          out.push(ready);
          v.carry = joined.slice(whole);
          break;
        }
        case ElementEventKind.ItemStart:
          out.push(delimiter(Tags.Item, UNDEFINED_LENGTH, this.#le));
          break;
        case ElementEventKind.ItemEnd:
          out.push(delimiter(Tags.ItemDelimitationItem, 0, this.#le));
          break;
        case ElementEventKind.SequenceEnd:
          out.push(delimiter(Tags.SequenceDelimitationItem, 0, this.#le));
          break;
        default:
          break;
      }
    }
    return out;
  }
}

/** Same bytes once inflated (Explicit VR Little Endian and its deflated form): only (de)compress. */
function sameEncoding(from: TransferSyntaxInfo, to: TransferSyntaxInfo): boolean {
  return from.explicitVr === to.explicitVr && from.littleEndian === to.littleEndian;
}

/** Whether `transcodeDataSet` can convert between these two syntaxes (both native, i.e. not encapsulated). */
export function canTranscode(fromTransferSyntaxUid: string, toTransferSyntaxUid: string): boolean {
  const from = transferSyntax(fromTransferSyntaxUid);
  const to = transferSyntax(toTransferSyntaxUid);
  return !!from && !!to && !from.encapsulated && !to.encapsulated;
}

/**
 * Convert a whole data set held in memory between native transfer syntaxes (Implicit/Explicit VR
 * Little Endian, Explicit VR Big Endian, Deflated). Returns the input unchanged when both are equal,
 * and only deflates or inflates between Explicit VR Little Endian and its deflated form.
 */
export function transcodeDataSetSync(
  bytes: Uint8Array,
  fromTransferSyntaxUid: string,
  toTransferSyntaxUid: string,
) {
  const from = nativeSyntax(fromTransferSyntaxUid, 'transcoding from');
  const to = nativeSyntax(toTransferSyntaxUid, 'transcoding to');
  if (from.uid === to.uid) return bytes;
  const input = from.deflated ? inflateRawSync(bytes) : bytes;
  let out: Uint8Array = input;
  if (!sameEncoding(from, to)) {
    const t = new NativeTranscoder(from, to);
    out = Buffer.concat([...t.push(input), ...t.end()]);
  }
  return to.deflated ? deflateRawSync(out) : out;
}

/**
 * Convert a streamed data set between native transfer syntaxes, chunk by chunk, with bounded memory
 * (deflate and inflate are streamed too). Use it when retrieving to a peer that did not accept the
 * stored syntax.
 */
export async function* transcodeDataSet(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  fromTransferSyntaxUid: string,
  toTransferSyntaxUid: string,
): AsyncGenerator<Uint8Array> {
  const from = nativeSyntax(fromTransferSyntaxUid, 'transcoding from');
  const to = nativeSyntax(toTransferSyntaxUid, 'transcoding to');
  if (from.uid === to.uid) {
    for await (const chunk of source) yield chunk;
    return;
  }
  const input: AsyncIterable<Uint8Array> = from.deflated
    ? through(Readable.from(source), createInflateRaw())
    : toAsync(source);
  const t = new NativeTranscoder(from, to);
  const same = sameEncoding(from, to);
  async function* plain(): AsyncGenerator<Uint8Array> {
    if (same) {
      yield* input;
      return;
    }
    for await (const chunk of input) {
      const parts = t.push(chunk);
      if (parts.length) yield Buffer.concat(parts);
    }
    const rest = t.end();
    if (rest.length) yield Buffer.concat(rest);
  }
  if (!to.deflated) {
    yield* plain();
    return;
  }
  yield* through(Readable.from(plain()), createDeflateRaw());
}

/** `source` piped into `transform`, errors of either surfacing when iterating the result. */
function through(source: Readable, transform: NodeJS.ReadWriteStream & AsyncIterable<Uint8Array>) {
  pipeline(source, transform, () => {});
  return transform;
}

async function* toAsync(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield chunk;
}
