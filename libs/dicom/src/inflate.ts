import { inflateRawSync, constants as zlibConstants } from 'node:zlib';

/**
 * Incremental inflater for Deflated Explicit VR Little Endian (PS3.5 A.5, raw deflate): push
 * compressed chunks, get the inflated bytes not returned before. It re-inflates the compressed prefix
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
      out = inflateRawSync(all, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return new Uint8Array(0); // the prefix so far cannot be inflated yet: wait for more
    }
    const fresh = out.subarray(this.#produced);
    this.#produced = out.length;
    return fresh;
  }
}
