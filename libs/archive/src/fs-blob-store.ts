import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BlobKey, BlobStore, BlobWriteResult, BlobWriter } from './archive-api.js';
import { BLOB_KEY_DIGEST_LENGTH, parseBlobKey } from './blob-key.js';
import { BlobKeyProblem, BlobTruncatedError, BlobWriterClosedError, InvalidBlobKeyError } from './errors.js';
import { checkedOwnerTag, defaultOwnerTag, temporaryName, temporaryOwner } from './temporary-name.js';

/** Directory under the root that holds blobs being written (same filesystem, so rename is atomic). */
export const TEMPORARY_DIRECTORY = '.tmp';
/** Temporary files of other owners are removed once untouched for this long. */
export const DEFAULT_TEMPORARY_STALE_AFTER_MS = 60 * 60 * 1000;
const READ_HIGH_WATER_MARK = 1024 * 1024;
/** Directories known to be durable in their parent; bounded, forgotten all at once when full. */
const DURABLE_DIRECTORY_CACHE_LIMIT = 10_000;

/**
 * Temporary files open in this process, by absolute path: several stores on one root in one process (same
 * owner) never remove each other's files in flight.
 */
const openTemporaries = new Set<string>();

export interface FsBlobStoreOptions {
  /**
   * Tag at the start of every temporary file name (default: the host name, a pod's name in Kubernetes).
   * `cleanTemporary` removes every temporary file of its own owner that no writer of this process has
   * open, whatever its age: what a crashed process of the same owner left. Give each live process sharing
   * one volume its own tag. Letters, digits, '.', '_' and '-', at most 128, starting with a letter or digit.
   */
  readonly owner?: string;
  /**
   * `cleanTemporary` removes temporary files of other owners (and of no owner) only once untouched for
   * this long (default one hour), so replicas sharing one volume never remove each other's blobs in flight.
   */
  readonly temporaryStaleAfterMs?: number;
}

/** The length of [start, end), which must fit `target` (a RangeError otherwise). */
function fittingLength(target: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length > target.length) throw new RangeError(`readInto: ${length} bytes do not fit ${target.length}`);
  return length;
}

/** A blob store on a local (or persistent-volume) filesystem, rooted at `rootDir`. */
export async function createFsBlobStore(
  rootDir: string,
  options: FsBlobStoreOptions = {},
): Promise<BlobStore> {
  const owner = options.owner === undefined ? defaultOwnerTag() : checkedOwnerTag(options.owner);
  const root = resolve(rootDir);
  const temporaryDir = join(root, TEMPORARY_DIRECTORY);
  await mkdir(temporaryDir, { recursive: true });
  await fsyncDirectory(dirname(root));
  await fsyncDirectory(root);
  const staleAfterMs = options.temporaryStaleAfterMs ?? DEFAULT_TEMPORARY_STALE_AFTER_MS;
  const durableDirectories = new Set<string>();

  const pathOf = (key: BlobKey): { path: string; segments: readonly string[] } => {
    parseBlobKey(key); // revalidates every UID: a key never reaches the filesystem unless blobKeyFor could make it
    const segments = key.split('/');
    return { path: join(root, ...segments), segments };
  };

  /**
   * Makes the directories of a key durable: known ones cost nothing; the others are made in one recursive
   * mkdir (which does not fail on those that exist) and each parent fsynced, also when the directory
   * existed: its creator may not have made its entry durable yet (a concurrent commit).
   */
  const makeDirectories = async (segments: readonly string[]): Promise<void> => {
    const dirs = segments.map((_, i) => join(root, ...segments.slice(0, i + 1)));
    const first = dirs.findIndex((dir) => !durableDirectories.has(dir));
    if (first < 0) return;
    await mkdir(dirs[dirs.length - 1] as string, { recursive: true });
    for (let i = first; i < dirs.length; i++) {
      await fsyncDirectory(i === 0 ? root : (dirs[i - 1] as string));
      if (durableDirectories.size >= DURABLE_DIRECTORY_CACHE_LIMIT) durableDirectories.clear();
      durableDirectories.add(dirs[i] as string);
    }
  };

  return {
    /**
     * The writer comes at once; its temporary file opens meanwhile (first writes wait for it, and an open
     * that fails fails them): the open is a thread-pool round trip plus a file creation, about 1 ms of every
     * CT image's store when it came first, while the image's first bytes were already waiting.
     */
    async create(): Promise<BlobWriter> {
      const temporaryPath = join(temporaryDir, temporaryName(owner));
      // Registered before the file exists, so a concurrent cleanTemporary never sees it unregistered.
      openTemporaries.add(temporaryPath);
      const release = () => openTemporaries.delete(temporaryPath);
      const file = open(temporaryPath, 'wx');
      file.catch(() => undefined); // surfaced by the first write, the commit, or ignored by an abort
      return new FsBlobWriter(file, temporaryPath, pathOf, makeDirectories, release);
    },

    read(key: BlobKey, start = 0, end?: number): AsyncIterable<Buffer> {
      const { path } = pathOf(key);
      if (end === undefined) return createReadStream(path, { start, highWaterMark: READ_HIGH_WATER_MARK });
      if (end <= start) return emptyBlob();
      // createReadStream's end is inclusive; buffers no larger than what is left (no 1 MiB read for 512 KiB).
      const highWaterMark = Math.min(READ_HIGH_WATER_MARK, end - start);
      return createReadStream(path, { start, end: end - 1, highWaterMark });
    },

    async readInto(key: BlobKey, target: Buffer, start: number, end: number): Promise<void> {
      const length = fittingLength(target, start, end);
      const { path } = pathOf(key);
      const handle = await open(path, 'r');
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(target, done, length - done, start + done);
          if (bytesRead === 0) throw new BlobTruncatedError(key, end, start + done);
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
    },

    readIntoSync(key: BlobKey, target: Buffer, start: number, end: number): void {
      const length = fittingLength(target, start, end);
      const fd = openSync(pathOf(key).path, 'r');
      try {
        let done = 0;
        while (done < length) {
          const bytesRead = readSync(fd, target, done, length - done, start + done);
          if (bytesRead === 0) throw new BlobTruncatedError(key, end, start + done);
          done += bytesRead;
        }
      } finally {
        closeSync(fd);
      }
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
        const path = join(temporaryDir, name);
        if (openTemporaries.has(path)) continue;
        try {
          const info = await stat(path);
          if (!info.isFile()) continue;
          const mine = temporaryOwner(name) === owner;
          if (!mine && now - info.mtimeMs < staleAfterMs) continue;
          // A writer created since the listing has registered its path before creating the file.
          if (openTemporaries.has(path)) continue;
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
  /** The last write queued: writes reach the file one at a time, in call order, and commit waits for them. */
  #writing: Promise<void> = Promise.resolve();

  constructor(
    /** The temporary file, opening: every use awaits it. */
    private readonly file: Promise<FileHandle>,
    private readonly temporaryPath: string,
    private readonly pathOf: (key: BlobKey) => { path: string; segments: readonly string[] },
    private readonly makeDirectories: (segments: readonly string[]) => Promise<void>,
    private readonly release: () => void,
  ) {}

  get size(): number {
    return this.#size;
  }

  digest(): string {
    this.#digest ??= this.#hash.copy().digest('hex');
    return this.#digest;
  }

  write(chunks: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(new BlobWriterClosedError('write', this.#state));
    const list = (chunks instanceof Uint8Array ? [chunks] : chunks).filter((chunk) => chunk.byteLength > 0);
    if (list.length === 0) return Promise.resolve();
    for (const chunk of list) {
      this.#hash.update(chunk);
      this.#size += chunk.byteLength;
    }
    this.#digest = undefined;
    const written = this.#writing.then(async () => {
      if (this.#state !== 'open') throw new BlobWriterClosedError('write', this.#state);
      try {
        await writeAll(await this.file, list);
      } catch (error) {
        this.#state = 'failed';
        throw error;
      }
    });
    // The queue goes on after a failure (later writes see the state); the caller gets this write's error.
    this.#writing = written.catch(() => undefined);
    return written;
  }

  async commit(key: BlobKey): Promise<BlobWriteResult> {
    if (this.#state !== 'open') throw new BlobWriterClosedError('commit', this.#state);
    const { path, segments } = this.pathOf(key);
    await this.#writing;
    if (this.#state !== 'open') throw new BlobWriterClosedError('commit', this.#state);
    const sha256 = this.digest();
    if (!key.endsWith(`.${sha256.slice(0, BLOB_KEY_DIGEST_LENGTH)}.dcm`)) {
      throw new InvalidBlobKeyError(key, BlobKeyProblem.Digest);
    }
    this.#state = 'committed'; // no write or second commit from here on
    let existed = false;
    try {
      // The file's data (and the size that finds it); the name is made durable by the directory's fsync.
      await (await this.file).datasync();
      await this.#closeFile();
      await this.makeDirectories(segments.slice(0, -1));
      // A link, not a rename: a blob already under the key is never replaced (it may be an indexed one).
      try {
        await link(this.temporaryPath, path);
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw error;
        existed = true;
      }
      // Also when it existed: its writer may not have made the entry durable yet (a concurrent commit).
      await fsyncDirectory(dirname(path));
    } catch (error) {
      this.#state = 'failed';
      await this.#removeTemporary().catch(() => undefined);
      throw error;
    }
    // The blob is durable under its key; the temporary name goes (if that fails, cleanTemporary removes it).
    await this.#removeTemporary().catch(() => undefined);
    return { key, size: this.#size, sha256, existed };
  }

  async abort(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return;
    this.#state = 'aborted';
    await this.#writing;
    await this.#removeTemporary();
  }

  async #removeTemporary(): Promise<void> {
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
    await (await this.file).close();
  }
}

/** Writes every byte of `chunks` in order: one write (or writev) call, more only after a short write. */
async function writeAll(file: FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  let pending = chunks;
  while (pending.length > 0) {
    const { bytesWritten } =
      pending.length === 1 ? await file.write(pending[0] as Uint8Array) : await file.writev(pending);
    let skip = bytesWritten;
    let i = 0;
    while (i < pending.length && skip >= (pending[i] as Uint8Array).byteLength) {
      skip -= (pending[i] as Uint8Array).byteLength;
      i++;
    }
    pending = pending.slice(i);
    if (skip > 0) pending = [(pending[0] as Uint8Array).subarray(skip), ...pending.slice(1)];
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

async function* emptyBlob(): AsyncGenerator<Buffer> {}
