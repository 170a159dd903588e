/** BlobStore.readInto: a range of a blob into the caller's buffer, for senders that reuse one buffer. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlobKey,
  type BlobStore,
  BlobTruncatedError,
  blobKeyFor,
  createFsBlobStore,
} from '../src/index.js';
import { uid } from './support/records.js';

let sandbox: string;
let root: string;
let store: BlobStore;

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'dicomesh-read-into-'));
  root = join(sandbox, 'root');
  store = await createFsBlobStore(root, { owner: 'test-node' });
});

afterEach(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

async function put(bytes: Buffer): Promise<BlobKey> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = blobKeyFor({
    studyInstanceUid: uid(),
    seriesInstanceUid: uid(),
    sopInstanceUid: uid(),
    sha256,
  });
  const writer = await store.create();
  await writer.write(bytes);
  await writer.commit(key);
  return key;
}

type ReadInto = (key: BlobKey, target: Buffer, start: number, end: number) => Promise<void>;

/** readInto, and readIntoSync made a promise (what it throws, rejected): the same contract. */
const readers: ReadonlyArray<[string, () => ReadInto]> = [
  ['readInto', () => (key, target, start, end) => store.readInto(key, target, start, end)],
  ['readIntoSync', () => async (key, target, start, end) => store.readIntoSync(key, target, start, end)],
];

describe.each(readers)('fs blob store: %s', (_name, reader) => {
  let readInto: ReadInto;
  beforeEach(() => {
    readInto = reader();
  });

  it('reads exactly the range asked for into the given buffer, leaving the rest of it untouched', async () => {
    const bytes = randomBytes(300_000);
    const key = await put(bytes);
    const target = Buffer.alloc(400_000, 0xee);
    await readInto(key, target, 132, bytes.length);
    expect(target.subarray(0, bytes.length - 132).equals(bytes.subarray(132))).toBe(true);
    expect(target.subarray(bytes.length - 132).every((b) => b === 0xee)).toBe(true);
    // The same buffer again, for another blob: it holds the new bytes.
    const other = randomBytes(1000);
    await readInto(await put(other), target, 0, other.length);
    expect(target.subarray(0, other.length).equals(other)).toBe(true);
  });

  it('refuses a range larger than the buffer, and a blob shorter than the range (BlobTruncatedError)', async () => {
    const bytes = randomBytes(5000);
    const key = await put(bytes);
    await expect(readInto(key, Buffer.alloc(100), 0, 5000)).rejects.toThrow(RangeError);
    await truncate(join(root, key), 4000);
    const error = await readInto(key, Buffer.alloc(5000), 0, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobTruncatedError);
    expect(error).toMatchObject({ expectedEnd: 5000, actualEnd: 4000 });
  });

  it('rejects for a blob that does not exist (ENOENT), as read() does', async () => {
    const key = await put(randomBytes(10));
    await rm(join(root, key));
    await expect(readInto(key, Buffer.alloc(10), 0, 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('fs blob store: readIntoSync', () => {
  it('has the bytes in the buffer when it returns, on the calling thread', async () => {
    const bytes = randomBytes(70_000);
    const key = await put(bytes);
    const target = Buffer.alloc(bytes.length);
    store.readIntoSync(key, target, 0, bytes.length);
    expect(target.equals(bytes)).toBe(true);
  });
});
