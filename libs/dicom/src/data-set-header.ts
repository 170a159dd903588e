import { lookupElement } from './dictionary.js';
import { type ElementEvent, ElementEventKind, ElementReader } from './element-reader.js';
import { decodeElementValue, type ElementValue } from './element-value.js';
import { UnsupportedTransferSyntaxError } from './errors.js';
import { StreamingInflater } from './streaming-inflater.js';
import { type Tag, Tags } from './tag.js';
import { transferSyntax } from './transfer-syntax.js';
import type { Vr } from './vr.js';

/** The attributes the storage index needs from an instance, read from the start of its data set. */
export const HEADER_KEYWORDS = [
  'SpecificCharacterSet',
  'SOPClassUID',
  'SOPInstanceUID',
  'StudyDate',
  'StudyTime',
  'AccessionNumber',
  'Modality',
  'ReferringPhysicianName',
  'StudyDescription',
  'SeriesDescription',
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'StudyID',
  'SeriesNumber',
  'InstanceNumber',
  'NumberOfFrames',
  'Rows',
  'Columns',
] as const;

/**
 * Inflated bytes a deflated data set may take before its header is read: far more than any real header (a few KiB)
 * and than the sequences before it, little enough that a deflate bomb stops in a fraction of a second.
 */
export const MAX_HEADER_INFLATED_BYTES = 64 * 1024 * 1024;

export interface DataSetHeader {
  readonly transferSyntaxUid: string;
  /** Values of (0008,0005), [] when absent. */
  readonly specificCharacterSet: readonly string[];
  /** Decoded values of the wanted top-level attributes that were present, by keyword. */
  readonly attributes: Readonly<Record<string, ElementValue>>;
  readonly sopClassUid: string | undefined;
  readonly sopInstanceUid: string | undefined;
  readonly patientId: string | undefined;
  readonly patientName: string | undefined;
  readonly studyInstanceUid: string | undefined;
  readonly seriesInstanceUid: string | undefined;
  /** True when the reader saw everything it looked for (it reached a later tag or the end of the data set). */
  readonly complete: boolean;
  /** Bytes of the (inflated) data set consumed. */
  readonly bytesRead: number;
}

export interface DataSetHeaderReaderOptions {
  /** Keywords to extract (default HEADER_KEYWORDS); SpecificCharacterSet is always read. */
  readonly keywords?: readonly string[];
}

/**
 * Reads selected top-level attributes from the start of a data set (without meta header) as it
 * streams in, in any native or encapsulated transfer syntax, big endian and deflated included.
 * It stops at the first top-level tag after the last wanted one (and always before Pixel Data), so
 * only the first few KiB are ever examined and nothing is buffered beyond the wanted values.
 * A deflated data set is inflated once as it streams, off the event loop, and refused with InflateLimitError (a
 * DicomParseError) past MAX_HEADER_INFLATED_BYTES. Await each `push` before the next.
 */
export class DataSetHeaderReader {
  readonly #transferSyntaxUid: string;
  readonly #reader: ElementReader;
  readonly #inflater: StreamingInflater | undefined;
  readonly #wanted: ReadonlyMap<Tag, string>;
  readonly #values = new Map<Tag, { bytes: Uint8Array; vr: Vr; le: boolean }>();
  #complete = false;

  constructor(transferSyntaxUid: string, options: DataSetHeaderReaderOptions = {}) {
    const ts = transferSyntax(transferSyntaxUid);
    if (!ts) throw new UnsupportedTransferSyntaxError(transferSyntaxUid, 'reading a data set header');
    this.#transferSyntaxUid = ts.uid;
    const wanted = new Map<Tag, string>([[Tags.SpecificCharacterSet, 'SpecificCharacterSet']]);
    for (const keyword of options.keywords ?? HEADER_KEYWORDS) {
      const entry = lookupElement(keyword);
      if (!entry) throw new TypeError(`unknown attribute keyword ${JSON.stringify(keyword)}`);
      wanted.set(entry.tag, entry.keyword);
    }
    this.#wanted = wanted;
    const lastWanted = Math.max(...wanted.keys());
    this.#reader = new ElementReader(
      { explicitVr: ts.explicitVr, littleEndian: ts.littleEndian },
      {
        stopBeforeTag: Math.min(lastWanted + 1, Tags.PixelData),
        capture: (e) => e.depth === 0 && wanted.has(e.tag),
        maxCaptureLength: 1024 * 1024,
      },
    );
    this.#inflater = ts.deflated
      ? new StreamingInflater((piece) => this.#feed(piece), { maxOutput: MAX_HEADER_INFLATED_BYTES })
      : undefined;
  }

  /** True once every wanted attribute has been passed: further chunks are not needed. */
  get complete(): boolean {
    return this.#complete;
  }

  /**
   * Feed the next chunk of the data set; resolves to `complete`. Rejects with DicomParseError on malformed input
   * (InflateLimitError past the cap on a deflated one).
   */
  async push(chunk: Uint8Array): Promise<boolean> {
    if (this.#complete) return true;
    if (this.#inflater) await this.#inflater.write(chunk);
    else this.#feed(chunk);
    return this.#complete;
  }

  /** Declare the end of the data set (a data set without Pixel Data ends without a later tag). */
  async end(): Promise<DataSetHeader> {
    if (!this.#complete && this.#inflater) await this.#inflater.end();
    if (!this.#complete) {
      this.#handle(this.#reader.end());
      this.#complete = true;
    }
    return this.result();
  }

  /** What has been read so far. */
  result(): DataSetHeader {
    const charsetEntry = this.#values.get(Tags.SpecificCharacterSet);
    const specificCharacterSet = charsetEntry
      ? (decodeElementValue(charsetEntry.bytes, 'CS', charsetEntry.le) as string[])
      : [];
    const attributes: Record<string, ElementValue> = {};
    for (const [t, v] of this.#values) {
      attributes[this.#wanted.get(t)!] = decodeElementValue(v.bytes, v.vr, v.le, specificCharacterSet);
    }
    const text = (keyword: string): string | undefined => {
      const v = attributes[keyword];
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('\\') : undefined;
    };
    return {
      transferSyntaxUid: this.#transferSyntaxUid,
      specificCharacterSet,
      attributes,
      sopClassUid: text('SOPClassUID'),
      sopInstanceUid: text('SOPInstanceUID'),
      patientId: text('PatientID'),
      patientName: text('PatientName'),
      studyInstanceUid: text('StudyInstanceUID'),
      seriesInstanceUid: text('SeriesInstanceUID'),
      complete: this.#complete,
      bytesRead: this.#reader.position,
    };
  }

  /** Data set bytes (inflated when deflated) into the element reader. */
  #feed(bytes: Uint8Array): void {
    if (this.#complete) return;
    this.#handle(this.#reader.push(bytes));
    if (this.#complete) this.#inflater?.stop();
  }

  #handle(events: ElementEvent[]): void {
    for (const event of events) {
      if (event.kind === ElementEventKind.Stop) this.#complete = true;
      else if (event.kind === ElementEventKind.Element && event.value && event.element.depth === 0) {
        const { tag, vr, littleEndian } = event.element;
        this.#values.set(tag, { bytes: event.value, vr, le: littleEndian });
      }
    }
  }
}

/**
 * Read the header attributes from a data set held in memory: the whole of it, or a beginning long
 * enough to pass the wanted attributes. Rejects with DicomParseError if the bytes end inside an element
 * before that (use DataSetHeaderReader to feed more).
 */
export async function readDataSetHeader(
  bytes: Uint8Array,
  transferSyntaxUid: string,
  options: DataSetHeaderReaderOptions = {},
): Promise<DataSetHeader> {
  const reader = new DataSetHeaderReader(transferSyntaxUid, options);
  if (await reader.push(bytes)) return reader.result();
  return reader.end();
}
