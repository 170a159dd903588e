import { createHash, type Hash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BlobKey, BlobStore, BlobWriteResult, BlobWriter } from './archive-api.js';
import { BLOB_KEY_DIGEST_LENGTH, parseBlobKey } from './blob-key.js';
import { BlobKeyProblem, BlobWriterClosedError, InvalidBlobKeyError } from './errors.js';

/** Directory under the root that holds blobs being written (same filesystem, so rename is atomic). */
export const TEMPORARY_DIRECTORY = '.tmp';
const TEMPORARY_SUFFIX = '.part';
const READ_HIGH_WATER_MARK = 1024 * 1024;

export interface FsBlobStoreOptions {
  /**
   * `cleanTemporary` removes only temporary files untouched for this long (default one hour), so
   * replicas sharing one volume never remove each other's blobs in flight. Files of this store's
   * own open writers are never removed.
   */
  readonly temporaryStaleAfterMs?: number;
}

/** A blob store on a local (or persistent-volume) filesystem, rooted at `rootDir`. */
export async function createFsBlobStore(
  rootDir: string,
  options: FsBlobStoreOptions = {},
): Promise<BlobStore> {
  const root = resolve(rootDir);
  const temporaryDir = join(root, TEMPORARY_DIRECTORY);
  await mkdir(temporaryDir, { recursive: true });
  await fsyncDirectory(dirname(root));
  await fsyncDirectory(root);
  const staleAfterMs = options.temporaryStaleAfterMs ?? 60 * 60 * 1000;
  const openTemporaries = new Set<string>();

  const pathOf = (key: BlobKey): { path: string; segments: readonly string[] } => {
    parseBlobKey(key); // revalidates every UID: a key never reaches the filesystem unless blobKeyFor could make it
    const segments = key.split('/');
    return { path: join(root, ...segments), segments };
  };

  return {
    async create(): Promise<BlobWriter> {
      const name = `${randomUUID()}${TEMPORARY_SUFFIX}`;
      const temporaryPath = join(temporaryDir, name);
      const file = await open(temporaryPath, 'wx');
      openTemporaries.add(name);
      return new FsBlobWriter(file, temporaryPath, root, pathOf, () => openTemporaries.delete(name));
    },

    read(key: BlobKey, start = 0): AsyncIterable<Buffer> {
      const { path } = pathOf(key);
      return createReadStream(path, { start, highWaterMark: READ_HIGH_WATER_MARK });
    },

    async exists(key: BlobKey): Promise<boolean> {
      const { path } = pathOf(key);
      try {
        return (await stat(path)).isFile();
      } catch (error) {
        if (isCode(error, 'ENOENT')) return false;
        throw error;
      }
    },

    async remove(key: BlobKey): Promise<void> {
      const { path } = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw error;
      }
    },

    async cleanTemporary(): Promise<number> {
      const now = Date.now();
      let removed = 0;
      for (const name of await readdir(temporaryDir)) {
        if (openTemporaries.has(name)) continue;
        const path = join(temporaryDir, name);
        try {
          const info = await stat(path);
          if (!info.isFile() || now - info.mtimeMs < staleAfterMs) continue;
          await unlink(path);
          removed++;
        } catch (error) {
          if (!isCode(error, 'ENOENT')) throw error;
        }
      }
      return removed;
    },
  };
}

type WriterState = 'open' | 'committed' | 'aborted' | 'failed';

class FsBlobWriter implements BlobWriter {
  #state: WriterState = 'open';
  #size = 0;
  readonly #hash: Hash = createHash('sha256');
  #digest: string | undefined;
  #fileOpen = true;

  constructor(
    private readonly file: FileHandle,
    private readonly temporaryPath: string,
    private readonly root: string,
    private readonly pathOf: (key: BlobKey) => { path: string; segments: readonly string[] },
    private readonly release: () => void,
  ) {}

  get size(): number {
    return this.#size;
  }

  digest(): string {
    this.#digest ??= this.#hash.copy().digest('hex');
    return this.#digest;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#state !== 'open') throw new BlobWriterClosedError('write', this.#state);
    if (chunk.byteLength === 0) return;
    this.#hash.update(chunk);
    this.#digest = undefined;
    this.#size += chunk.byteLength;
    try {
      // One write in flight at a time: the caller's stream waits for the disk (backpressure).
      let offset = 0;
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await this.file.write(chunk, offset, chunk.byteLength - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      this.#state = 'failed';
      throw error;
    }
  }

  async commit(key: BlobKey): Promise<BlobWriteResult> {
    if (this.#state !== 'open') throw new BlobWriterClosedError('commit', this.#state);
    const { path, segments } = this.pathOf(key);
    const sha256 = this.digest();
    if (!key.endsWith(`.${sha256.slice(0, BLOB_KEY_DIGEST_LENGTH)}.dcm`)) {
      throw new InvalidBlobKeyError(key, BlobKeyProblem.Digest);
    }
    try {
      await this.file.sync();
      await this.#closeFile();
      await makeDirectories(this.root, segments.slice(0, -1));
      await rename(this.temporaryPath, path);
      await fsyncDirectory(dirname(path));
    } catch (error) {
      this.#state = 'failed';
      await this.abort();
      throw error;
    }
    this.#state = 'committed';
    this.release();
    return { key, size: this.#size, sha256 };
  }

  async abort(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return;
    this.#state = 'aborted';
    await this.#closeFile().catch(() => undefined);
    try {
      await unlink(this.temporaryPath);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    } finally {
      this.release();
    }
  }

  async #closeFile(): Promise<void> {
    if (!this.#fileOpen) return;
    this.#fileOpen = false;
    await this.file.close();
  }
}

/** mkdir each level under `root` that is missing, fsyncing the parent of every directory created. */
async function makeDirectories(root: string, segments: readonly string[]): Promise<void> {
  let parent = root;
  for (const segment of segments) {
    const dir = join(parent, segment);
    try {
      await mkdir(dir);
      await fsyncDirectory(parent);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
    parent = dir;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
