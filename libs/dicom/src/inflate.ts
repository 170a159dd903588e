/**
 * Inflating a whole Deflated Explicit VR Little Endian data set (PS3.5 A.5, raw deflate) held in memory, with a cap
 * on its inflated size. For data sets that arrive in chunks, use StreamingInflater.
 */
import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { DicomParseError, InflateLimitError } from './errors.js';

/** Inflated bytes zlib produces per step: large enough to inflate fast, small enough to stop soon after a cap. */
export const INFLATE_CHUNK_SIZE = 64 * 1024;

/**
 * Inflate `bytes` in one pass, refusing more than `maxOutput` inflated bytes: zlib stops at the first step past the
 * cap, so a deflate bomb costs at most about `maxOutput` bytes of memory and the time to inflate them. A stream
 * without its final block yields what it has. Throws InflateLimitError past the cap, DicomParseError (with the zlib
 * error as cause) on a corrupt stream.
 */
export function inflateDataSet(bytes: Uint8Array, maxOutput: number): Buffer {
  try {
    return inflateRawSync(bytes, {
      // Z_SYNC_FLUSH: a truncated stream yields what it has so far instead of failing.
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
      maxOutputLength: maxOutput,
      chunkSize: INFLATE_CHUNK_SIZE,
    });
  } catch (error) {
    if (isOutputTooLarge(error)) throw new InflateLimitError(maxOutput, maxOutput);
    throw new DicomParseError('deflated data set is corrupt', 0, { cause: error });
  }
}

function isOutputTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}
