/**
 * Inflates a Deflated Explicit VR Little Endian data set (raw deflate) as its chunks arrive, handing each
 * inflated piece to `sink` as zlib produces it, so nothing is buffered and each input byte is inflated once.
 * A deflate bomb cannot blow memory up: past `maxOutput` inflated bytes it stops (and calls `onLimit`).
 */
import { constants, createInflateRaw, type InflateRaw } from 'node:zlib';
import { DicomParseError } from '@dicomesh/dicom';

export class StreamingInflater {
  readonly #zlib: InflateRaw;
  #produced = 0;
  #closed = false;
  #error: unknown;

  constructor(
    private readonly sink: (piece: Buffer) => void,
    private readonly maxOutput: number,
    private readonly onLimit: () => void,
  ) {
    // Z_SYNC_FLUSH at the end: a stream without its final block yields what it has instead of failing.
    this.#zlib = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH });
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

  /** Resolves once zlib has consumed `chunk` (backpressure); throws what the sink or zlib threw. */
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

  /** The input ended: resolves once every inflated byte reached the sink. */
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
    if (this.#produced + piece.length > this.maxOutput) {
      this.stop();
      this.onLimit();
      return;
    }
    this.#produced += piece.length;
    try {
      this.sink(piece);
    } catch (error) {
      this.#error ??= error;
      this.stop();
    }
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}
