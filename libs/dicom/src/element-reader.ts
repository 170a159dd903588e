import { lookupElement } from './dictionary.js';
import { DicomParseError } from './errors.js';
import { formatTag, isPrivateTag, type Tag, Tags } from './tag.js';
import { hasLongLength, isVr, type Vr } from './vr.js';

/** Length value meaning "undefined length, delimited" (PS3.5 7.1.1). */
export const UNDEFINED_LENGTH = 0xffffffff;

/** How the bytes of a data set are encoded (derived from its transfer syntax, after inflating). */
export interface DataSetEncoding {
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
}

/** A data element's header as read, with its position in the stream. */
export interface ElementHeader {
  readonly tag: Tag;
  /** The VR: as written (explicit VR), else from the dictionary; an explicit UN of a known tag becomes its dictionary VR. */
  readonly vr: Vr;
  /** Value length in bytes, or UNDEFINED_LENGTH. */
  readonly length: number;
  /** Absolute offset of the element's first byte (its tag) in the stream. */
  readonly offset: number;
  /** Absolute offset of the element's value. */
  readonly valueOffset: number;
  /** Nesting depth: 0 for the top-level data set, 1 inside an item of a top-level sequence... */
  readonly depth: number;
  /**
   * Byte order of the value (a UN sequence's content and a UN value read as its dictionary VR are
   * always little endian).
   */
  readonly littleEndian: boolean;
}

export const ElementEventKind = {
  Element: 'element',
  ValueChunk: 'value-chunk',
  ItemStart: 'item-start',
  ItemEnd: 'item-end',
  SequenceEnd: 'sequence-end',
  Stop: 'stop',
} as const;
export type ElementEventKind = (typeof ElementEventKind)[keyof typeof ElementEventKind];

export type ElementEvent =
  | {
      readonly kind: typeof ElementEventKind.Element;
      readonly element: ElementHeader;
      /** The value bytes when `capture` asked for them (and for nothing else: the rest is skipped). */
      readonly value: Uint8Array | undefined;
      /** True for SQ (and undefined-length UN and encapsulated pixel data): items follow. */
      readonly opensSequence: boolean;
    }
  /** Part of the value of the last Element event whose value was not captured (only with `emitValueChunks`). */
  | { readonly kind: typeof ElementEventKind.ValueChunk; readonly bytes: Uint8Array }
  | { readonly kind: typeof ElementEventKind.ItemStart; readonly offset: number; readonly depth: number }
  | { readonly kind: typeof ElementEventKind.ItemEnd; readonly offset: number; readonly depth: number }
  | { readonly kind: typeof ElementEventKind.SequenceEnd; readonly offset: number; readonly depth: number }
  /** A top-level element at or past `stopBeforeTag` was reached; it has not been consumed. */
  | { readonly kind: typeof ElementEventKind.Stop; readonly offset: number; readonly tag: Tag };

export interface ElementReaderOptions {
  /** Stop at the first top-level element whose tag is >= this (default: Pixel Data (7FE0,0010)). */
  readonly stopBeforeTag?: Tag;
  /** Whether to deliver the value of an element (it is buffered until complete). Default: values up to 4 KiB. */
  readonly capture?: (element: ElementHeader) => boolean;
  /**
   * Deliver the bytes of values that are not captured as ValueChunk events as they stream by (for
   * transcoding); they are still never buffered. Encapsulated pixel data fragments are not delivered.
   */
  readonly emitValueChunks?: boolean;
  /** Largest value that will ever be buffered; bigger ones are skipped even if `capture` wants them. */
  readonly maxCaptureLength?: number;
}

interface Container {
  readonly kind: 'sequence' | 'item' | 'fragments';
  /** Absolute end offset for defined lengths. */
  readonly end: number | undefined;
  /** Encoding to restore when this container closes. */
  readonly outer: DataSetEncoding;
}

const DEFAULT_MAX_CAPTURE = 16 * 1024 * 1024;
/** Open sequences plus items allowed at once: real data sets nest a few levels; hostile ones, millions. */
const MAX_NESTING = 256;
const defaultCapture = (e: ElementHeader): boolean => e.length <= 4096;

/** An empty buffer of its own (a zero-length view would still hold its chunk's memory). */
const NOTHING = new Uint8Array(0);

/**
 * A streaming reader of data set elements: push chunks of any size, get element events. It keeps only
 * the bytes of an incomplete element header or of a value it was asked to capture; other values are
 * skipped as they stream by, so nothing like Pixel Data is ever buffered.
 *
 * Handles defined and undefined length sequences and items, encapsulated pixel data fragments,
 * UN sequences of undefined length (whose content is Implicit VR Little Endian, PS3.5 6.2.2), and
 * big endian. It does not inflate: feed it inflated bytes (see `createInflater`).
 */
export class ElementReader {
  #buffer: Uint8Array = NOTHING;
  /** Absolute offset of #buffer[0]. */
  #base = 0;
  #skip = 0;
  /** Whether the bytes being skipped are an element value to deliver as ValueChunk events. */
  #skipEmits = false;
  readonly #emitValueChunks: boolean;
  #encoding: DataSetEncoding;
  readonly #stack: Container[] = [];
  #items = 0;
  readonly #stopBeforeTag: Tag;
  readonly #capture: (element: ElementHeader) => boolean;
  readonly #maxCapture: number;
  #stopped = false;
  #vrMismatch = false;

  constructor(encoding: DataSetEncoding, options: ElementReaderOptions = {}) {
    this.#encoding = encoding;
    this.#stopBeforeTag = options.stopBeforeTag ?? Tags.PixelData;
    this.#capture = options.capture ?? defaultCapture;
    this.#maxCapture = options.maxCaptureLength ?? DEFAULT_MAX_CAPTURE;
    this.#emitValueChunks = options.emitValueChunks ?? false;
  }

  /** True once a Stop event was emitted; later chunks are ignored. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * True when the first element showed the data set uses the other VR encoding than its transfer
   * syntax says (some toolkits write implicit VR under an explicit syntax); the reader then followed
   * the data, as pydicom does.
   */
  get vrMismatch(): boolean {
    return this.#vrMismatch;
  }

  /** Absolute offset up to which the input has been consumed. */
  get position(): number {
    return this.#base;
  }

  /** Feed the next bytes; returns the events they complete. Throws DicomParseError on malformed input. */
  push(chunk: Uint8Array): ElementEvent[] {
    const events: ElementEvent[] = [];
    if (this.#stopped) return events;
    let data = chunk;
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, data.length);
      if (this.#skipEmits && n > 0)
        events.push({ kind: ElementEventKind.ValueChunk, bytes: data.subarray(0, n) });
      this.#skip -= n;
      this.#base += n;
      data = data.subarray(n);
    }
    if (this.#buffer.length > 0) {
      const joined = new Uint8Array(this.#buffer.length + data.length);
      joined.set(this.#buffer);
      joined.set(data, this.#buffer.length);
      this.#buffer = joined;
    } else {
      this.#buffer = data;
    }
    this.#parse(events);
    return events;
  }

  /**
   * Declare the end of input. Throws if the input ended inside an element or an open sequence/item
   * (unless the reader had stopped). Returns the events of containers closed by the end.
   */
  end(): ElementEvent[] {
    const events: ElementEvent[] = [];
    if (this.#stopped) return events;
    this.#closeDefinedContainers(events);
    if (this.#skip > 0 || this.#buffer.length > 0) {
      throw new DicomParseError('data set ends inside an element', this.#base + this.#buffer.length);
    }
    if (this.#stack.length > 0) {
      throw new DicomParseError(`data set ends inside an open ${this.#stack.at(-1)!.kind}`, this.#base);
    }
    return events;
  }

  /** Number of open items: the nesting depth of the elements being read. */
  #depth(): number {
    return this.#items;
  }

  #push(container: Container, offset: number): void {
    if (this.#stack.length >= MAX_NESTING) {
      throw new DicomParseError(`sequences nested deeper than ${MAX_NESTING / 2} levels`, offset);
    }
    this.#stack.push(container);
    if (container.kind === 'item') this.#items++;
  }

  #closeDefinedContainers(events: ElementEvent[]): void {
    for (;;) {
      const top = this.#stack.at(-1);
      if (!top || top.end === undefined || this.#base < top.end) return;
      if (this.#base > top.end) {
        throw new DicomParseError(`element overruns the defined length of its ${top.kind}`, this.#base);
      }
      this.#pop(events, this.#base);
    }
  }

  #pop(events: ElementEvent[], offset: number): void {
    const top = this.#stack.pop()!;
    if (top.kind === 'item') this.#items--;
    this.#encoding = top.outer;
    if (top.kind === 'item')
      events.push({ kind: ElementEventKind.ItemEnd, offset, depth: this.#depth() + 1 });
    else events.push({ kind: ElementEventKind.SequenceEnd, offset, depth: this.#depth() });
  }

  #consume(n: number): void {
    this.#buffer = this.#buffer.subarray(n);
    this.#base += n;
  }

  #parse(events: ElementEvent[]): void {
    while (!this.#stopped) {
      this.#closeDefinedContainers(events);
      const buf = this.#buffer;
      if (buf.length < 8) break;
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const le = this.#encoding.littleEndian;
      const group = view.getUint16(0, le);
      const elementNumber = view.getUint16(2, le);
      const t = ((group << 16) | elementNumber) >>> 0;
      const offset = this.#base;

      if (group === 0xfffe) {
        const length = view.getUint32(4, le);
        this.#delimiter(t, length, offset, events);
        continue;
      }

      const top = this.#stack.at(-1);
      if (top && top.kind !== 'item') {
        throw new DicomParseError(`expected an item in ${top.kind}, found element ${formatTag(t)}`, offset);
      }
      if (this.#stack.length === 0 && t >= this.#stopBeforeTag) {
        this.#stopped = true;
        // What is left is never read: holding a view of it would keep the whole chunk (a CT image's first
        // quarter MiB) alive for as long as the reader lives.
        this.#buffer = NOTHING;
        events.push({ kind: ElementEventKind.Stop, offset, tag: t });
        return;
      }

      if (offset === 0 && this.#stack.length === 0) this.#checkFirstElementVr(buf);

      let vr: Vr;
      let length: number;
      let headerLength: number;
      if (this.#encoding.explicitVr) {
        const vrText = String.fromCharCode(buf[4]!, buf[5]!);
        if (!isVr(vrText)) {
          throw new DicomParseError(
            `element ${formatTag(t)}: invalid VR ${JSON.stringify(vrText)}`,
            offset + 4,
          );
        }
        vr = vrText;
        if (hasLongLength(vr)) {
          if (buf.length < 12) break;
          length = view.getUint32(8, le);
          headerLength = 12;
        } else {
          length = view.getUint16(6, le);
          headerLength = 8;
        }
      } else {
        length = view.getUint32(4, le);
        headerLength = 8;
        vr = implicitVr(t, length);
      }

      // An explicit UN whose tag the dictionary knows (a standard attribute that passed through a
      // node that did not know it) is read as its real VR, as pydicom and dcmjs do; its value bytes
      // are those of Implicit VR Little Endian (PS3.5 6.2.2).
      let valueLittleEndian = le;
      let unSequence = false;
      if (vr === 'UN' && this.#encoding.explicitVr && length !== UNDEFINED_LENGTH) {
        const known = lookupElement(t)?.vr;
        if (known && known !== 'UN') {
          vr = known;
          valueLittleEndian = true;
          unSequence = known === 'SQ';
        }
      }

      const element: ElementHeader = {
        tag: t,
        vr,
        length,
        offset,
        valueOffset: offset + headerLength,
        depth: this.#depth(),
        littleEndian: valueLittleEndian,
      };

      if (length === UNDEFINED_LENGTH) {
        if (vr !== 'SQ' && vr !== 'UN' && vr !== 'OB' && vr !== 'OW') {
          throw new DicomParseError(`element ${formatTag(t)} (${vr}) has undefined length`, offset);
        }
        this.#consume(headerLength);
        events.push({ kind: ElementEventKind.Element, element, value: undefined, opensSequence: true });
        const isFragments = t === Tags.PixelData;
        this.#push(
          { kind: isFragments ? 'fragments' : 'sequence', end: undefined, outer: this.#encoding },
          offset,
        );
        if (vr === 'UN') this.#encoding = { explicitVr: false, littleEndian: true };
        continue;
      }

      if (vr === 'SQ') {
        this.#consume(headerLength);
        events.push({ kind: ElementEventKind.Element, element, value: undefined, opensSequence: true });
        this.#push({ kind: 'sequence', end: element.valueOffset + length, outer: this.#encoding }, offset);
        if (unSequence) this.#encoding = { explicitVr: false, littleEndian: true };
        continue;
      }

      if (length <= this.#maxCapture && this.#capture(element)) {
        if (buf.length < headerLength + length) break; // wait for the whole value
        const value = new Uint8Array(buf.subarray(headerLength, headerLength + length)); // a copy, never a Buffer
        this.#consume(headerLength + length);
        events.push({ kind: ElementEventKind.Element, element, value, opensSequence: false });
        continue;
      }

      events.push({ kind: ElementEventKind.Element, element, value: undefined, opensSequence: false });
      this.#consume(headerLength);
      this.#skipBytes(length, this.#emitValueChunks ? events : undefined);
      if (this.#skip > 0) break;
    }
  }

  /** The first element's bytes 4-5 tell explicit VR (two upper-case letters of a VR) from implicit. */
  #checkFirstElementVr(buf: Uint8Array): void {
    const looksExplicit = isVr(String.fromCharCode(buf[4]!, buf[5]!));
    if (looksExplicit !== this.#encoding.explicitVr) {
      this.#encoding = { ...this.#encoding, explicitVr: looksExplicit };
      this.#vrMismatch = true;
    }
  }

  /** Skip `n` bytes, those not yet received included; deliver them as ValueChunk events into `events` if given. */
  #skipBytes(n: number, events?: ElementEvent[]): void {
    const available = Math.min(n, this.#buffer.length);
    if (events && available > 0) {
      events.push({ kind: ElementEventKind.ValueChunk, bytes: this.#buffer.subarray(0, available) });
    }
    this.#skipEmits = events !== undefined;
    this.#consume(available);
    this.#skip = n - available;
    if (this.#skip > 0) this.#buffer = new Uint8Array(0);
  }

  #delimiter(t: Tag, length: number, offset: number, events: ElementEvent[]): void {
    const top = this.#stack.at(-1);
    if (t === Tags.Item) {
      if (!top || top.kind === 'item') {
        throw new DicomParseError(`item ${formatTag(t)} outside a sequence`, offset);
      }
      if (top.kind === 'fragments') {
        if (length === UNDEFINED_LENGTH)
          throw new DicomParseError('pixel data fragment of undefined length', offset);
        this.#skipBytes(8 + length);
        return;
      }
      this.#consume(8);
      this.#push(
        {
          kind: 'item',
          end: length === UNDEFINED_LENGTH ? undefined : offset + 8 + length,
          outer: this.#encoding,
        },
        offset,
      );
      events.push({ kind: ElementEventKind.ItemStart, offset, depth: this.#depth() });
      return;
    }
    if (t === Tags.ItemDelimitationItem) {
      if (top?.kind !== 'item' || top.end !== undefined) {
        throw new DicomParseError('item delimitation item without an open undefined-length item', offset);
      }
      this.#consume(8);
      this.#pop(events, offset);
      return;
    }
    if (t === Tags.SequenceDelimitationItem) {
      if (!top || top.kind === 'item' || top.end !== undefined) {
        throw new DicomParseError(
          'sequence delimitation item without an open undefined-length sequence',
          offset,
        );
      }
      this.#consume(8);
      this.#pop(events, offset);
      return;
    }
    throw new DicomParseError(`unexpected delimiter tag ${formatTag(t)}`, offset);
  }
}

/** The VR an Implicit VR data set implies for a tag (PS3.5 A.1 and the data dictionary). */
export function implicitVr(t: Tag, length: number): Vr {
  const known = lookupElement(t)?.vr;
  if (known) return known;
  if (isPrivateTag(t)) {
    const element = t & 0xffff;
    if (element >= 0x0010 && element <= 0x00ff) return 'LO'; // private creator
  }
  return length === UNDEFINED_LENGTH ? 'SQ' : 'UN';
}
