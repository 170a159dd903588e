/** Reading a Part 10 file's meta header and streaming its data set; writing a received data set as a file. */
import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { buildFileMetaHeader, IncompleteInputError, type Part10Split, parsePart10 } from '@dicomesh/dicom';
import { DICOMESH_IMPLEMENTATION_CLASS_UID, DICOMESH_IMPLEMENTATION_VERSION_NAME } from '@dicomesh/dicom-ul';

/** Enough for nearly every meta header; a longer one is read again with a larger buffer. */
const FIRST_READ = 8 * 1024;
const MAX_META_READ = 16 * 1024 * 1024;
/** Data sets are read in chunks of this size: a fragment is then mostly a slice of one chunk, not a copy. */
const READ_CHUNK = 1024 * 1024;
/**
 * A data set up to this size is read in one synchronous read when it is sent: the tool serves one
 * association, and four thread-pool round trips per small object (open, read, read, close) would cost
 * more than the object's transfer.
 */
export const SMALL_DATA_SET = 1024 * 1024;

function readSmall(path: string, start: number, into: Buffer | undefined): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size - start;
    if (size > SMALL_DATA_SET) return undefined;
    const bytes = into && into.length >= size ? into : Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, size - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

export interface Part10File extends Part10Split {
  readonly path: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /**
   * The data set bytes: read whole when small (into `into` when it is large enough: the caller's reused
   * buffer, which the returned bytes are then a view of), otherwise streamed from the file.
   */
  dataSet(into?: Buffer): Buffer | AsyncIterable<Buffer>;
}

/** One buffer for every first read of a scan: the meta header is parsed, then the buffer is reused. */
const firstReadBuffer = Buffer.allocUnsafe(FIRST_READ);
/**
 * A file that fits the first read keeps its data set from the scan (a copy of it), so sending it needs no
 * second open, stat, read and close, as long as everything kept stays under this many bytes.
 */
const KEPT_DATA_SETS_BYTES = 64 * 1024 * 1024;
let keptBytes = 0;

/** The data set bytes of a file read whole by the scan, copied out of the shared buffer, if within budget. */
function keepWhole(buffer: Buffer, dataSetOffset: number, bytesRead: number): Buffer | undefined {
  const length = bytesRead - dataSetOffset;
  if (length < 0 || keptBytes + length > KEPT_DATA_SETS_BYTES) return undefined;
  keptBytes += length;
  return Buffer.from(buffer.subarray(dataSetOffset, bytesRead));
}

/**
 * Reads a file's meta header (synchronously: the tool reads its files one after another before it connects,
 * as storescu does, and a thread-pool round trip per file would cost more than the read).
 */
export function openPart10(path: string): Part10File {
  const fd = openSync(path, 'r');
  try {
    for (let size = FIRST_READ; ; size *= 4) {
      const buffer = size === FIRST_READ ? firstReadBuffer : Buffer.alloc(size);
      const bytesRead = readSync(fd, buffer, 0, size, 0);
      try {
        const split = parsePart10(buffer.subarray(0, bytesRead));
        const { mediaStorageSopClassUid: sopClassUid, mediaStorageSopInstanceUid: sopInstanceUid } =
          split.meta;
        if (!sopClassUid || !sopInstanceUid)
          throw new Error(`${path}: meta header lacks SOP class/instance UID`);
        // A read shorter than asked for reached the end of the file: the whole data set is in the buffer.
        const whole = bytesRead < size ? keepWhole(buffer, split.dataSetOffset, bytesRead) : undefined;
        return {
          ...split,
          path,
          sopClassUid,
          sopInstanceUid,
          dataSet: (into) =>
            whole ??
            readSmall(path, split.dataSetOffset, into) ??
            createReadStream(path, { start: split.dataSetOffset, highWaterMark: READ_CHUNK }),
        };
      } catch (error) {
        if (!(error instanceof IncompleteInputError) || bytesRead < size || size >= MAX_META_READ)
          throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

export interface ReceivedObject {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly sourceAeTitle?: string;
  readonly dataSet: AsyncIterable<Buffer> | NodeJS.ReadableStream;
}

/** Writes meta header + data set, streamed, to `path`. */
export async function writePart10(path: string, object: ReceivedObject): Promise<void> {
  const meta = buildFileMetaHeader({
    sopClassUid: object.sopClassUid,
    sopInstanceUid: object.sopInstanceUid,
    transferSyntaxUid: object.transferSyntaxUid,
    implementationClassUid: DICOMESH_IMPLEMENTATION_CLASS_UID,
    implementationVersionName: DICOMESH_IMPLEMENTATION_VERSION_NAME,
    ...(object.sourceAeTitle ? { sourceAeTitle: object.sourceAeTitle } : {}),
  });
  const out = createWriteStream(path);
  out.write(meta);
  await pipeline(object.dataSet, out);
}
