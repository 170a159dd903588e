/**
 * Reads a data set as its chunks stream by, keeping only what the index needs: the header attributes
 * (UIDs, patient, study, series) and the DICOM JSON of every attribute that is not bulk data. It stops
 * before Pixel Data, skips every value longer than `maxValueLength` and stops capturing once
 * `maxAttributeBytes` of values are held, so memory stays bounded whatever the object's size.
 */
import {
  type DicomJson,
  decodeElementValue,
  type ElementEvent,
  ElementEventKind,
  type ElementHeader,
  ElementReader,
  type ElementValue,
  type Identifier,
  type IdentifierValue,
  keywordForTag,
  StreamingInflater,
  Tags,
  tagToHex,
  toDicomJson,
  transferSyntax,
  UnsupportedTransferSyntaxError,
  type Vr,
} from '@dicomesh/dicom';

/** Values longer than this are bulk data: not kept in the attributes (PS3.18 would give them a BulkDataURI). */
export const DEFAULT_MAX_VALUE_LENGTH = 64 * 1024;
/** Bytes of values kept in all: past this, later attributes are left out of the JSON. */
export const DEFAULT_MAX_ATTRIBUTE_BYTES = 2 * 1024 * 1024;
/** A deflated data set's attributes are read from at most this much compressed input... */
const MAX_DEFLATED_INPUT = 16 * 1024 * 1024;
/** ...and at most this much inflated output (a deflate bomb stops here, not at the memory's end). */
const MAX_INFLATED_OUTPUT = 64 * 1024 * 1024;

export interface ObjectParserOptions {
  readonly maxValueLength?: number;
  readonly maxAttributeBytes?: number;
}

/** What the index learns from a data set. */
export interface ParsedObject {
  readonly sopClassUid: string | undefined;
  readonly sopInstanceUid: string | undefined;
  readonly studyInstanceUid: string | undefined;
  readonly seriesInstanceUid: string | undefined;
  /** Top-level attributes by keyword (as `decodeIdentifier` gives them). */
  readonly identifier: Identifier;
  /** Every attribute read, bulk data and Pixel Data excepted, in the DICOM JSON Model. */
  readonly attributes: DicomJson;
  /** False when attributes were left out because of `maxAttributeBytes`. */
  readonly attributesComplete: boolean;
}

interface Frame {
  readonly identifier: Identifier;
  charset: readonly string[];
  /** Items of the sequence being read in this data set (a detached array for fragments). */
  items: Identifier[] | undefined;
}

export class ObjectParser {
  readonly #reader: ElementReader;
  readonly #inflater: StreamingInflater | undefined;
  readonly #root: Frame = { identifier: {}, charset: [], items: undefined };
  readonly #stack: Frame[] = [this.#root];
  /** VRs of attributes the dictionary does not know (private tags), for the JSON. */
  readonly #vrs: Record<string, Vr> = {};
  readonly #maxAttributeBytes: number;
  #attributeBytes = 0;
  #attributesComplete = true;
  #inputBytes = 0;
  #done = false;

  constructor(transferSyntaxUid: string, options: ObjectParserOptions = {}) {
    const ts = transferSyntax(transferSyntaxUid);
    if (!ts) throw new UnsupportedTransferSyntaxError(transferSyntaxUid, 'reading a stored data set');
    const maxValueLength = options.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH;
    this.#maxAttributeBytes = options.maxAttributeBytes ?? DEFAULT_MAX_ATTRIBUTE_BYTES;
    this.#reader = new ElementReader(
      { explicitVr: ts.explicitVr, littleEndian: ts.littleEndian },
      {
        stopBeforeTag: Tags.PixelData,
        maxCaptureLength: maxValueLength,
        capture: (element) => this.#wants(element),
      },
    );
    this.#inflater = ts.deflated
      ? new StreamingInflater((piece) => this.#feed(piece), {
          maxOutput: MAX_INFLATED_OUTPUT,
          onLimit: () => this.#giveUp(),
        })
      : undefined;
  }

  /** True once the parser needs no more bytes (it reached Pixel Data, or gave up on a long deflated stream). */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Feed the next chunk of the data set; resolves once it was read (a deflated chunk: once inflated).
   * Rejects with DicomParseError on malformed input.
   */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.#done) return;
    this.#inputBytes += chunk.length;
    if (this.#inflater === undefined) {
      this.#feed(chunk);
      return;
    }
    await this.#inflater.write(chunk);
    if (!this.#done && this.#inputBytes > MAX_DEFLATED_INPUT) this.#giveUp();
  }

  /** The data set ended: rejects with DicomParseError if it ended inside an element (before Pixel Data). */
  async end(): Promise<ParsedObject> {
    if (!this.#done && this.#inflater !== undefined) await this.#inflater.end();
    if (!this.#done) {
      this.#handle(this.#reader.end());
      this.#done = true;
    }
    return this.result();
  }

  /** Data set bytes (inflated when deflated) into the element reader. */
  #feed(bytes: Uint8Array): void {
    if (this.#done) return;
    this.#handle(this.#reader.push(bytes));
    if (this.#reader.stopped) {
      this.#done = true;
      this.#inflater?.stop();
    }
  }

  /** Stop reading a deflated data set that is too long before Pixel Data: what was read is kept. */
  #giveUp(): void {
    this.#attributesComplete = false;
    this.#done = true;
    this.#inflater?.stop();
  }

  result(): ParsedObject {
    const id = this.#root.identifier;
    return {
      sopClassUid: text(id.SOPClassUID),
      sopInstanceUid: text(id.SOPInstanceUID),
      studyInstanceUid: text(id.StudyInstanceUID),
      seriesInstanceUid: text(id.SeriesInstanceUID),
      identifier: id,
      attributes: toDicomJson(id, this.#vrs),
      attributesComplete: this.#attributesComplete,
    };
  }

  #wants(element: ElementHeader): boolean {
    if (this.#attributeBytes + element.length > this.#maxAttributeBytes) {
      this.#attributesComplete = false;
      return false;
    }
    return true;
  }

  #handle(events: readonly ElementEvent[]): void {
    for (const event of events) {
      const frame = this.#stack.at(-1)!;
      switch (event.kind) {
        case ElementEventKind.Element: {
          const { tag, vr, littleEndian } = event.element;
          // Group lengths (gggg,0000) are retired encoding details, not attributes: never indexed.
          if (isGroupLength(tag)) break;
          const key = keywordForTag(tag) ?? tagToHex(tag);
          if (keywordForTag(tag) === undefined) this.#vrs[key] = vr;
          if (event.opensSequence) {
            frame.items = [];
            // Encapsulated fragments (an icon's pixel data) are bulk data: their items are read, not kept.
            if (vr === 'SQ' || vr === 'UN') frame.identifier[key] = frame.items;
            break;
          }
          // A value not captured is bulk data (or over the budget): left out.
          if (event.value === undefined) break;
          this.#attributeBytes += event.value.length;
          const decoded = decodeElementValue(event.value, vr, littleEndian, frame.charset);
          if (tag === Tags.SpecificCharacterSet) frame.charset = decoded as string[];
          frame.identifier[key] = simplify(decoded, vr);
          break;
        }
        case ElementEventKind.ItemStart: {
          const item: Identifier = {};
          frame.items?.push(item);
          this.#stack.push({ identifier: item, charset: frame.charset, items: undefined });
          break;
        }
        case ElementEventKind.ItemEnd:
          if (this.#stack.length > 1) this.#stack.pop();
          break;
        default:
          break;
      }
    }
  }
}

function simplify(decoded: ElementValue, vr: Vr): IdentifierValue {
  if (decoded instanceof Uint8Array) return decoded.length === 0 ? null : decoded;
  if (decoded.length === 0) return null;
  if (decoded.length === 1 && vr !== 'SQ') return decoded[0]!;
  return decoded;
}

function text(value: IdentifierValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('\\');
  return undefined;
}

const ELEMENT_NUMBER_MASK = 0xffff;

function isGroupLength(tag: number): boolean {
  return (tag & ELEMENT_NUMBER_MASK) === 0;
}
