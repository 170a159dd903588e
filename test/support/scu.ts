/**
 * Test helper: our SCU (`connectScu`/`DimseClient`) against the gateway, and objects generated on the fly
 * as streams of Buffers (never whole in memory), so a test can send a 200 MiB or 5 GiB object, pause it
 * at a chosen byte, or count what it sent. Objects are Explicit VR Little Endian headers (written with
 * @dicomesh/dicom's encoder) followed by Pixel Data, native (defined length) or encapsulated (undefined
 * length, an empty basic offset table item, then fragments, then the sequence delimiter).
 */
import { createHash, type Hash } from 'node:crypto';
import { encodeIdentifier, generateUid, TransferSyntaxUid } from '@dicomesh/dicom';
import { connectScu, type DimseClient, verificationContext } from '@dicomesh/dimse';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const SECONDARY_CAPTURE_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
export const GATEWAY_AE_TITLE = 'DICOMESH';
export const TEST_SCU_AE_TITLE = 'FAULTSCU';
export const MiB = 1024 * 1024;
const LARGE_FRAME_BYTES = 512 * 512;

/** Explicit VR Little Endian OB element header with a 4-byte length (PS3.5 7.1.2). */
function obHeader(group: number, element: number, length: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  b.write('OB', 4, 'latin1');
  b.writeUInt32LE(length, 8);
  return b;
}

/** Item or delimiter tag of group FFFE with its 4-byte length. */
function itemTag(element: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(element, 2);
  b.writeUInt32LE(length, 4);
  return b;
}

const ITEM = 0xe000;
const SEQUENCE_DELIMITER = 0xe0dd;
const UNDEFINED_LENGTH = 0xffffffff;

export interface GeneratedObject {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** Length of the data set in bytes (what `instances.size - data_set_offset` must be). */
  readonly size: number;
  /**
   * A fresh stream of the data set. `gate(sent)` is awaited before each piece with the bytes sent so far:
   * a test pauses the transfer there. When `hash` is given, every byte yielded goes into it.
   */
  chunks(options?: ChunkOptions): AsyncGenerator<Buffer>;
}

export interface ChunkOptions {
  readonly gate?: (sentBytes: number) => Promise<void> | void;
  readonly hash?: Hash;
}

export interface ObjectUids {
  readonly sopInstanceUid?: string;
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
}

function header(
  sopClassUid: string,
  uids: Required<ObjectUids>,
  extra: Record<string, string | number>,
): Buffer {
  return Buffer.from(
    encodeIdentifier(
      {
        SOPClassUID: sopClassUid,
        SOPInstanceUID: uids.sopInstanceUid,
        StudyDate: '20261130',
        Modality: 'OT',
        PatientName: 'FAULT^TEST',
        PatientID: 'FAULTS',
        StudyInstanceUID: uids.studyInstanceUid,
        SeriesInstanceUID: uids.seriesInstanceUid,
        InstanceNumber: 1,
        ...extra,
      },
      TransferSyntaxUid.ExplicitVrLittleEndian,
    ),
  );
}

function fillUids(uids: ObjectUids): Required<ObjectUids> {
  return {
    sopInstanceUid: uids.sopInstanceUid ?? generateUid(),
    studyInstanceUid: uids.studyInstanceUid ?? generateUid(),
    seriesInstanceUid: uids.seriesInstanceUid ?? generateUid(),
  };
}

/** A pattern buffer (not zeros, so a lost or shifted chunk changes the hash). */
function pattern(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) b.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return b;
}

async function* emit(pieces: Iterable<Buffer>, options: ChunkOptions): AsyncGenerator<Buffer> {
  let sent = 0;
  for (const piece of pieces) {
    await options.gate?.(sent);
    options.hash?.update(piece);
    sent += piece.length;
    yield piece;
  }
}

/**
 * A Secondary Capture object in Explicit VR Little Endian whose native Pixel Data (OB, defined length)
 * is `pixelBytes` long: frames of 512 x 512 8-bit pixels when it is a multiple of that, else one square
 * frame. Yielded in pieces of `chunkBytes` from one reused pattern buffer.
 */
export function nativeObject(
  pixelBytes: number,
  options: ObjectUids & { chunkBytes?: number } = {},
): GeneratedObject {
  if (pixelBytes % 2 !== 0 || pixelBytes > 0xfffffffe) throw new RangeError('pixelBytes: even, under 4 GiB');
  const uids = fillUids(options);
  const chunkBytes = options.chunkBytes ?? MiB;
  // 8-bit monochrome frames of 512 x 512 when the size allows, else one square frame.
  const frameBytes = pixelBytes % LARGE_FRAME_BYTES === 0 ? LARGE_FRAME_BYTES : pixelBytes;
  const side = Math.sqrt(frameBytes);
  if (!Number.isInteger(side)) throw new RangeError('pixelBytes: frames of 512 x 512, or one square frame');
  const head = Buffer.concat([
    header(SECONDARY_CAPTURE_IMAGE_STORAGE, uids, {
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      NumberOfFrames: pixelBytes / frameBytes,
      Rows: side,
      Columns: side,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
    }),
    obHeader(0x7fe0, 0x0010, pixelBytes),
  ]);
  const fill = pattern(Math.min(chunkBytes, pixelBytes), 7);
  function* pieces(): Generator<Buffer> {
    yield head;
    for (let left = pixelBytes; left > 0; left -= fill.length) {
      yield left >= fill.length ? fill : fill.subarray(0, left);
    }
  }
  return {
    sopClassUid: SECONDARY_CAPTURE_IMAGE_STORAGE,
    ...uids,
    transferSyntaxUid: TransferSyntaxUid.ExplicitVrLittleEndian,
    size: head.length + pixelBytes,
    chunks: (chunkOptions = {}) => emit(pieces(), chunkOptions),
  };
}

/**
 * A Secondary Capture object in JPEG Baseline (encapsulated): Pixel Data with undefined length, an empty
 * basic offset table item, `fragments` fragments of `fragmentBytes` each (one reused buffer), and the
 * sequence delimiter. Its size may exceed 4 GiB; no element or item does.
 */
export function encapsulatedObject(
  fragments: number,
  fragmentBytes: number,
  options: ObjectUids = {},
): GeneratedObject {
  if (fragmentBytes % 2 !== 0) throw new RangeError('fragmentBytes: even');
  const uids = fillUids(options);
  const head = Buffer.concat([
    header(SECONDARY_CAPTURE_IMAGE_STORAGE, uids, {
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: 512,
      Columns: 512,
      BitsAllocated: 8,
      BitsStored: 8,
      HighBit: 7,
      PixelRepresentation: 0,
      NumberOfFrames: fragments,
    }),
    obHeader(0x7fe0, 0x0010, UNDEFINED_LENGTH),
    itemTag(ITEM, 0), // empty basic offset table
  ]);
  const fragmentHeader = itemTag(ITEM, fragmentBytes);
  const fragment = pattern(fragmentBytes, 11);
  // A JPEG SOI at the start and EOI at the end, as a fragment of a JPEG frame would have.
  fragment.writeUInt16BE(0xffd8, 0);
  fragment.writeUInt16BE(0xffd9, fragmentBytes - 2);
  const tail = itemTag(SEQUENCE_DELIMITER, 0);
  function* pieces(): Generator<Buffer> {
    yield head;
    for (let i = 0; i < fragments; i++) {
      yield fragmentHeader;
      yield fragment;
    }
    yield tail;
  }
  return {
    sopClassUid: SECONDARY_CAPTURE_IMAGE_STORAGE,
    ...uids,
    transferSyntaxUid: TransferSyntaxUid.JpegBaseline8Bit,
    size: head.length + fragments * (fragmentHeader.length + fragmentBytes) + tail.length,
    chunks: (chunkOptions = {}) => emit(pieces(), chunkOptions),
  };
}

/** A small native object (16 x 16 pixels), e.g. for a hundred stores in a row. */
export function smallObject(options: ObjectUids = {}): GeneratedObject {
  return nativeObject(256, options);
}

/** Opens an association to the gateway with verification and Secondary Capture in these transfer syntaxes. */
export function connectGateway(
  port: number,
  transferSyntaxes: readonly string[] = [TransferSyntaxUid.ExplicitVrLittleEndian],
): Promise<DimseClient> {
  return connectScu({
    host: '127.0.0.1',
    port,
    callingAeTitle: TEST_SCU_AE_TITLE,
    calledAeTitle: GATEWAY_AE_TITLE,
    contexts: [
      verificationContext(),
      ...transferSyntaxes.map((ts) => ({
        abstractSyntax: SECONDARY_CAPTURE_IMAGE_STORAGE,
        transferSyntaxes: [ts],
      })),
    ],
  });
}

/** C-STORE of a generated object on the client. */
export function storeGenerated(client: DimseClient, object: GeneratedObject, options: ChunkOptions = {}) {
  return client.store(
    object.sopClassUid,
    object.sopInstanceUid,
    object.transferSyntaxUid,
    object.chunks(options),
  );
}

/** SHA-256 of a generated object's data set, computed by streaming it (hex). */
export async function datasetSha256(object: GeneratedObject): Promise<string> {
  const hash = createHash('sha256');
  for await (const _ of object.chunks({ hash })) {
    // the hash is fed by chunks()
  }
  return hash.digest('hex');
}
