import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlobKey,
  type BlobStore,
  BlobWriterClosedError,
  blobKeyFor,
  createFsBlobStore,
  InvalidBlobKeyError,
  InvalidUidError,
  TEMPORARY_DIRECTORY,
} from '../src/index.js';
import { uid } from './support/records.js';

let sandbox: string;
let root: string;
let store: BlobStore;

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'dicomesh-blobs-'));
  root = join(sandbox, 'root');
  store = await createFsBlobStore(root, { owner: 'test-node' });
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function keyFor(
  bytes: Uint8Array,
  uids = { studyInstanceUid: uid(), seriesInstanceUid: uid(), sopInstanceUid: uid() },
): BlobKey {
  return blobKeyFor({ ...uids, sha256: sha256(bytes) });
}

async function temporaryFiles(): Promise<string[]> {
  return readdir(join(root, TEMPORARY_DIRECTORY));
}

async function collect(iterable: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; largestChunk: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return { bytes: Buffer.concat(chunks), largestChunk: Math.max(0, ...chunks.map((c) => c.length)) };
}

/** Every path under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe('fs blob store: commit', () => {
  it('writes through a temp file; the blob appears at its key only on commit, with the exact bytes and sha256', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const key = keyFor(bytes);
    const writer = await store.create();
    expect(await temporaryFiles()).toHaveLength(1);
    for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
      await writer.write(bytes.subarray(offset, offset + 64 * 1024));
      expect(await store.exists(key)).toBe(false); // never a partial file at the key's path
    }
    expect(writer.size).toBe(bytes.length);
    expect(writer.digest()).toBe(sha256(bytes));

    expect(await writer.commit(key)).toEqual({
      key,
      size: bytes.length,
      sha256: sha256(bytes),
      existed: false,
    });
    expect(await store.exists(key)).toBe(true);
    expect(await temporaryFiles()).toEqual([]);
    const onDisk = await readFile(join(root, ...key.split('/')));
    expect(onDisk.equals(bytes)).toBe(true);
  });

  it('read streams the bytes back from an offset in chunks of at most 1 MiB', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 300);
    const key = keyFor(bytes);
    const writer = await store.create();
    await writer.write(bytes);
    await writer.commit(key);
    const whole = await collect(store.read(key));
    expect(whole.bytes.equals(bytes)).toBe(true);
    expect(whole.largestChunk).toBeLessThanOrEqual(1024 * 1024);
    const fromOffset = await collect(store.read(key, 132));
    expect(fromOffset.bytes.equals(bytes.subarray(132))).toBe(true);
  });

  it('read stops at a given end, in buffers no larger than the range', async () => {
    const bytes = randomBytes(512 * 1024 + 132);
    const key = keyFor(bytes);
    const writer = await store.create();
    await writer.write(bytes);
    await writer.commit(key);
    const range = await collect(store.read(key, 132, bytes.length));
    expect(range.bytes.equals(bytes.subarray(132))).toBe(true);
    expect(range.largestChunk).toBe(512 * 1024);
    const middle = await collect(store.read(key, 1000, 2000));
    expect(middle.bytes.equals(bytes.subarray(1000, 2000))).toBe(true);
    expect((await collect(store.read(key, 10, 10))).bytes.length).toBe(0);
  });

  it('writes called without waiting still reach the file in order, and commit waits for them', async () => {
    const parts = Array.from({ length: 20 }, () => randomBytes(10_000 + Math.floor(Math.random() * 50_000)));
    const bytes = Buffer.concat(parts);
    const writer = await store.create();
    const writes = parts.map((part) => writer.write(part));
    const result = await writer.commit(keyFor(bytes));
    await Promise.all(writes);
    expect(result.sha256).toBe(sha256(bytes));
    expect((await collect(store.read(result.key))).bytes.equals(bytes)).toBe(true);
  });

  it('commits of many instances of one new study at once all land (directories created concurrently)', async () => {
    const studyInstanceUid = uid();
    const seriesInstanceUid = uid();
    const blobs = Array.from({ length: 12 }, () => randomBytes(1000));
    const keys = await Promise.all(
      blobs.map(async (bytes) => {
        const writer = await store.create();
        await writer.write(bytes);
        return (
          await writer.commit(keyFor(bytes, { studyInstanceUid, seriesInstanceUid, sopInstanceUid: uid() }))
        ).key;
      }),
    );
    for (const [i, key] of keys.entries()) {
      expect((await collect(store.read(key))).bytes.equals(blobs[i] as Buffer)).toBe(true);
    }
    expect(await readdir(join(root, studyInstanceUid, seriesInstanceUid))).toHaveLength(12);
  });

  it('chunks given together (a header and the first data) land in order, with the digest of them all', async () => {
    const parts = [randomBytes(132), randomBytes(70_000), new Uint8Array(0), randomBytes(5)];
    const bytes = Buffer.concat(parts);
    const writer = await store.create();
    await writer.write(parts);
    await writer.write([randomBytes(0)]);
    const tail = randomBytes(3000);
    await writer.write(tail);
    const all = Buffer.concat([bytes, tail]);
    expect(writer.size).toBe(all.length);
    const result = await writer.commit(keyFor(all));
    expect(result.sha256).toBe(sha256(all));
    expect((await collect(store.read(result.key))).bytes.equals(all)).toBe(true);
  });

  it('a commit under a key that already holds a blob keeps that blob, says so and leaves no temp file', async () => {
    const bytes = randomBytes(2000);
    const key = keyFor(bytes);
    const first = await store.create();
    await first.write(bytes);
    expect((await first.commit(key)).existed).toBe(false);
    const path = join(root, ...key.split('/'));
    const before = await stat(path);

    const second = await store.create();
    await second.write(bytes);
    expect(await second.commit(key)).toEqual({
      key,
      size: bytes.length,
      sha256: sha256(bytes),
      existed: true,
    });
    const after = await stat(path);
    expect(after.ino).toBe(before.ino); // the very file that was there, not a replacement
    expect(await temporaryFiles()).toEqual([]);
    expect((await collect(store.read(key))).bytes.equals(bytes)).toBe(true);
  });

  it('a second store on the same root commits into directories it did not make', async () => {
    const studyInstanceUid = uid();
    const seriesInstanceUid = uid();
    const commitOne = async (target: BlobStore) => {
      const bytes = randomBytes(100);
      const writer = await target.create();
      await writer.write(bytes);
      return (
        await writer.commit(keyFor(bytes, { studyInstanceUid, seriesInstanceUid, sopInstanceUid: uid() }))
      ).key;
    };
    await commitOne(store);
    const other = await createFsBlobStore(root, { owner: 'other-node' });
    const key = await commitOne(other);
    expect(await other.exists(key)).toBe(true);
    expect(await readdir(join(root, studyInstanceUid, seriesInstanceUid))).toHaveLength(2);
  });

  it('an empty blob commits too', async () => {
    const writer = await store.create();
    await writer.write(new Uint8Array(0));
    const bytes = Buffer.alloc(0);
    const result = await writer.commit(keyFor(bytes));
    expect(result.size).toBe(0);
    expect((await stat(join(root, ...result.key.split('/')))).size).toBe(0);
  });

  it('refuses to commit under a key whose digest is not the digest of the bytes written', async () => {
    const writer = await store.create();
    await writer.write(Buffer.from('these bytes'));
    const wrong = keyFor(Buffer.from('other bytes'));
    await expect(writer.commit(wrong)).rejects.toMatchObject({
      name: 'InvalidBlobKeyError',
      problem: 'digest',
    });
    expect(await store.exists(wrong)).toBe(false);
    await writer.abort();
    expect(await temporaryFiles()).toEqual([]);
  });

  it('remove deletes a blob and is quiet when it is already gone', async () => {
    const bytes = randomBytes(100);
    const writer = await store.create();
    await writer.write(bytes);
    const { key } = await writer.commit(keyFor(bytes));
    await store.remove(key);
    expect(await store.exists(key)).toBe(false);
    await store.remove(key);
  });
});

describe('fs blob store: abort and closed writers', () => {
  it('abort removes the temp file, can be called twice, and leaves no blob', async () => {
    const writer = await store.create();
    await writer.write(randomBytes(5000));
    expect(await temporaryFiles()).toHaveLength(1);
    await writer.abort();
    expect(await temporaryFiles()).toEqual([]);
    await writer.abort();
    expect(await tree(root)).toEqual([TEMPORARY_DIRECTORY]);
  });

  it('write and commit after abort fail with BlobWriterClosedError', async () => {
    const writer = await store.create();
    await writer.write(Buffer.from('x'));
    await writer.abort();
    await expect(writer.write(Buffer.from('y'))).rejects.toBeInstanceOf(BlobWriterClosedError);
    await expect(writer.commit(keyFor(Buffer.from('x')))).rejects.toMatchObject({
      name: 'BlobWriterClosedError',
      operation: 'commit',
      state: 'aborted',
    });
  });

  it('write and a second commit after commit fail; abort after commit keeps the blob', async () => {
    const bytes = Buffer.from('committed');
    const writer = await store.create();
    await writer.write(bytes);
    const { key } = await writer.commit(keyFor(bytes));
    await expect(writer.write(Buffer.from('more'))).rejects.toMatchObject({
      name: 'BlobWriterClosedError',
      operation: 'write',
      state: 'committed',
    });
    await expect(writer.commit(key)).rejects.toBeInstanceOf(BlobWriterClosedError);
    await writer.abort();
    expect((await collect(store.read(key))).bytes.equals(bytes)).toBe(true);
  });

  it('writes not yet on disk when abort is called are refused, and the temp file is gone afterwards', async () => {
    const writer = await store.create();
    await writer.write(randomBytes(1000));
    const queued = writer.write(randomBytes(100_000));
    const aborting = writer.abort();
    await expect(queued).rejects.toBeInstanceOf(BlobWriterClosedError);
    await expect(writer.write(randomBytes(10))).rejects.toBeInstanceOf(BlobWriterClosedError);
    await aborting;
    expect(await temporaryFiles()).toEqual([]);
  });
});

describe('fs blob store: hostile keys', () => {
  const digest = '0123456789abcdef';
  const long = `1.${'2'.repeat(63)}`; // 65 characters
  const hostile = [
    `../../etc/1.2.${digest}.dcm`,
    `1.2/../../1.3.${digest}.dcm`,
    `1.2/1.3/../1.4.${digest}.dcm`,
    `/etc/1.2/1.3.${digest}.dcm`,
    `/1.2/1.3/1.4.${digest}.dcm`,
    `1.2/1.3/1.4.${digest}.dcm/`,
    `1.2//1.3/1.4.${digest}.dcm`,
    `1.2/1.3/1.4/1.5.${digest}.dcm`,
    `${long}/1.3/1.4.${digest}.dcm`,
    `1.2/1.3/${long}.${digest}.dcm`,
    `1.2/abc/1.4.${digest}.dcm`,
    `1.2/1.3/1.4e5.${digest}.dcm`,
    `1.2/1.3/1.4.${digest.toUpperCase()}.dcm`,
    `1.2/1.3/1.4.${digest}.dcm\0`,
    `1.2/1.3/1.4\0.${digest}.dcm`,
    `1.2\\..\\..\\x/1.3/1.4.${digest}.dcm`,
    `1.2/1.3/.${digest}.dcm`,
    `1.2/1.3/1.4.${digest}.DCM`,
    `1.2/1.3/1.4.${digest.slice(1)}.dcm`,
    `1.2/1.3/01.4.${digest}.dcm`,
    '',
    '.',
    '..',
  ] as BlobKey[];

  it.each(hostile.map((key) => [JSON.stringify(key), key]))(
    'refuses %s everywhere with InvalidBlobKeyError, touching nothing outside the root',
    async (_label, key) => {
      const before = await tree(sandbox);
      const writer = await store.create();
      await writer.write(Buffer.from('payload'));
      await expect(writer.commit(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(store.exists(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(store.remove(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      expect(() => store.read(key)).toThrow(InvalidBlobKeyError);
      await writer.abort();
      expect(await tree(sandbox)).toEqual(before);
    },
  );

  it('blobKeyFor refuses the same identifiers with InvalidUidError', () => {
    const sha = 'a'.repeat(64);
    const ok = { studyInstanceUid: '1.2', seriesInstanceUid: '1.3', sopInstanceUid: '1.4', sha256: sha };
    expect(blobKeyFor(ok)).toBe(`1.2/1.3/1.4.${'a'.repeat(16)}.dcm`);
    for (const bad of ['..', '../1.2', '/1.2', '1.2/1.3', long, '1.2a', '1.2\0', '', '1..2', ' 1.2']) {
      expect(() => blobKeyFor({ ...ok, sopInstanceUid: bad })).toThrow(InvalidUidError);
      expect(() => blobKeyFor({ ...ok, studyInstanceUid: bad })).toThrow(InvalidUidError);
    }
    expect(() => blobKeyFor({ ...ok, sha256: 'not-hex' })).toThrow(InvalidBlobKeyError);
  });

  it('a file planted outside the root is unreachable through any key', async () => {
    const outside = join(sandbox, 'secret.dcm');
    await writeFile(outside, 'secret');
    await mkdir(join(sandbox, '1.2'), { recursive: true });
    const key = `../1.2/1.3.${digest}.dcm` as BlobKey;
    expect(() => store.read(key)).toThrow(InvalidBlobKeyError);
    expect(await readFile(outside, 'utf8')).toBe('secret');
  });
});
