/**
 * An object's data set as a stream of chunks read from the blob store (from its data set offset, so
 * without the Part 10 meta header), converted on the fly when it travels in another native syntax.
 * Memory stays bounded by the blob store's read size, whatever the object's size.
 */
import type { BlobStore } from '@dicomesh/archive';
import { transcodeDataSet } from '@dicomesh/dicom';
import type { RetrievableInstance } from './resolve-instances.js';

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export async function* dataSetSource(
  blobStore: BlobStore,
  instance: RetrievableInstance,
  transferSyntaxUid: string,
): AsyncGenerator<Buffer> {
  const bytes = blobStore.read(instance.blobKey, instance.dataSetOffset, instance.size);
  if (transferSyntaxUid === instance.transferSyntaxUid) {
    yield* bytes;
    return;
  }
  for await (const chunk of transcodeDataSet(bytes, instance.transferSyntaxUid, transferSyntaxUid)) {
    yield asBuffer(chunk);
  }
}

/** Calls `onChunk` before each chunk passes (a watchdog's refresh). */
export async function* watched(source: AsyncIterable<Buffer>, onChunk: () => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    onChunk();
    yield chunk;
  }
}
