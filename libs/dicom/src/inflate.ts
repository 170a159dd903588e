import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { DicomParseError } from './errors.js';

/**
 * Incremental inflater for Deflated Explicit VR Little Endian (PS3.5 A.5, raw deflate): push
 * compressed chunks, get the inflated bytes not returned before. Throws DicomParseError (with the
 * zlib error as cause; offset = inflated bytes so far) if the stream is corrupt. It re-inflates the compressed prefix
 * on each push (Node's zlib has no synchronous streaming API), which is cheap for the few KiB a header
 * needs but quadratic for whole large objects pushed in many chunks.
 */
export class PrefixInflater {
  #chunks: Uint8Array[] = [];
  #produced = 0;
  push(chunk: Uint8Array): Uint8Array {
    this.#chunks.push(chunk);
    const all = Buffer.concat(this.#chunks);
    let out: Buffer;
    try {
      // Z_SYNC_FLUSH: a truncated stream yields what it has so far instead of failing.
      out = inflateRawSync(all, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (error) {
      throw new DicomParseError('deflated data set is corrupt', this.#produced, { cause: error });
    }
    const fresh = out.subarray(this.#produced);
    this.#produced = out.length;
    return fresh;
  }
}
