/**
 * Inflates a Deflated Explicit VR Little Endian data set (PS3.5 A.5, raw deflate) as its chunks arrive, handing
 * each inflated piece to `sink` as zlib produces it: each input byte is inflated once, off the event loop, and
 * nothing is buffered. A deflate bomb cannot blow memory or time up: past `maxOutput` inflated bytes it stops,
 * then calls `onLimit` if given, or else fails with InflateLimitError.
 */
import { constants, createInflateRaw, type InflateRaw } from 'node:zlib';
import { DicomParseError, InflateLimitError } from './errors.js';
import { INFLATE_CHUNK_SIZE } from './inflate.js';

export interface StreamingInflaterOptions {
  /** Inflated bytes allowed in all. */
  readonly maxOutput: number;
  /**
   * Called once when the output would pass `maxOutput` (the inflater has stopped; what reached the sink stays
   * valid). Without it, passing the cap is an error: `write` and `end` reject with InflateLimitError.
   */
  readonly onLimit?: () => void;
}

export class StreamingInflater {
  readonly #zlib: InflateRaw;
  readonly #sink: (piece: Buffer) => void;
  readonly #options: StreamingInflaterOptions;
  #produced = 0;
  #closed = false;
  #error: unknown;

  constructor(sink: (piece: Buffer) => void, options: StreamingInflaterOptions) {
    this.#sink = sink;
    this.#options = options;
    // Z_SYNC_FLUSH at the end: a stream without its final block yields what it has instead of failing.
    this.#zlib = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: INFLATE_CHUNK_SIZE });
    this.#zlib.on('data', (piece: Buffer) => this.#deliver(piece));
    this.#zlib.on('error', (error) => {
      this.#error ??= new DicomParseError('deflated data set is corrupt', this.#produced, { cause: error });
    });
    this.#zlib.on('close', () => {
      this.#closed = true;
    });
  }

  /** Inflated bytes handed to the sink so far. */
  get produced(): number {
    return this.#produced;
  }

  /**
   * Resolves once zlib has consumed `chunk` and the sink has had its output (await it before the next write);
   * rejects with what the sink threw, DicomParseError on a corrupt stream, InflateLimitError past the cap.
   * After `stop` (or the cap with `onLimit`), writes are ignored.
   */
  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    if (this.#closed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#zlib.off('close', done);
        resolve();
      };
      this.#zlib.once('close', done);
      this.#zlib.write(chunk, () => done());
    });
    this.#throwIfFailed();
  }

  /** The input ended: resolves once every inflated byte reached the sink (rejects as `write` does). */
  async end(): Promise<void> {
    if (!this.#closed) {
      await new Promise<void>((resolve) => {
        this.#zlib.once('close', () => resolve());
        this.#zlib.end();
      });
    }
    this.#throwIfFailed();
  }

  /** No more output is wanted: frees zlib; later writes are ignored. */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#zlib.destroy();
  }

  #deliver(piece: Buffer): void {
    if (this.#closed) return;
    const { maxOutput, onLimit } = this.#options;
    if (this.#produced + piece.length > maxOutput) {
      this.stop();
      if (onLimit) onLimit();
      else this.#error ??= new InflateLimitError(maxOutput, this.#produced);
      return;
    }
    this.#produced += piece.length;
    try {
      this.#sink(piece);
    } catch (error) {
      this.#error ??= error;
      this.stop();
    }
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}
