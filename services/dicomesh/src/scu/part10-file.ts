/** Reading a Part 10 file's meta header and streaming its data set; writing a received data set as a file. */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { buildFileMetaHeader, IncompleteInputError, type Part10Split, parsePart10 } from '@dicomesh/dicom';
import { DICOMESH_IMPLEMENTATION_CLASS_UID, DICOMESH_IMPLEMENTATION_VERSION_NAME } from '@dicomesh/dicom-ul';

/** Enough for nearly every meta header; a longer one is read again with a larger buffer. */
const FIRST_READ = 8 * 1024;
const MAX_META_READ = 16 * 1024 * 1024;
/** Data sets are read in chunks of this size: a fragment is then mostly a slice of one chunk, not a copy. */
const READ_CHUNK = 1024 * 1024;

export interface Part10File extends Part10Split {
  readonly path: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** The data set bytes, streamed from the file. */
  dataSet(): AsyncIterable<Buffer>;
}

export async function openPart10(path: string): Promise<Part10File> {
  const handle = await open(path, 'r');
  try {
    for (let size = FIRST_READ; ; size *= 4) {
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await handle.read(buffer, 0, size, 0);
      try {
        const split = parsePart10(buffer.subarray(0, bytesRead));
        const { mediaStorageSopClassUid: sopClassUid, mediaStorageSopInstanceUid: sopInstanceUid } =
          split.meta;
        if (!sopClassUid || !sopInstanceUid)
          throw new Error(`${path}: meta header lacks SOP class/instance UID`);
        return {
          ...split,
          path,
          sopClassUid,
          sopInstanceUid,
          dataSet: () => createReadStream(path, { start: split.dataSetOffset, highWaterMark: READ_CHUNK }),
        };
      } catch (error) {
        if (!(error instanceof IncompleteInputError) || bytesRead < size || size >= MAX_META_READ)
          throw error;
      }
    }
  } finally {
    await handle.close();
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
