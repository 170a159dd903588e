/**
 * cleanTemporary: a restarted store removes every temporary file of its own owner at once (what its crashed
 * predecessor left), and other owners' files only once stale, never a file open in this process.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlobStore,
  blobKeyFor,
  createFsBlobStore,
  DEFAULT_TEMPORARY_STALE_AFTER_MS,
  defaultOwnerTag,
  InvalidOwnerTagError,
  TEMPORARY_DIRECTORY,
  temporaryOwner,
} from '../src/index.js';
import { uid } from './support/records.js';

let root: string;
let temporaryDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dicomesh-cleanup-'));
  temporaryDir = join(root, TEMPORARY_DIRECTORY);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function temporaryFiles(): Promise<string[]> {
  return (await readdir(temporaryDir)).sort();
}

/** A temporary file as a process of `owner` leaves it, `ageMs` old. */
async function leftover(owner: string, ageMs = 0, name = `${owner}.${randomUUID()}.part`): Promise<string> {
  await mkdir(temporaryDir, { recursive: true });
  const path = join(temporaryDir, name);
  await writeFile(path, randomBytes(100));
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
  return name;
}

const STALE = DEFAULT_TEMPORARY_STALE_AFTER_MS + 60_000;

describe('owner tag', () => {
  it('starts every temporary file name of the store', async () => {
    const store = await createFsBlobStore(root, { owner: 'storage-0.dicomesh_a' });
    const writer = await store.create();
    const [name] = await temporaryFiles();
    expect(name?.startsWith('storage-0.dicomesh_a.')).toBe(true);
    expect(temporaryOwner(name ?? '')).toBe('storage-0.dicomesh_a');
    await writer.abort();
  });

  it('defaults to the host name', async () => {
    const store = await createFsBlobStore(root);
    const writer = await store.create();
    const [name] = await temporaryFiles();
    expect(temporaryOwner(name ?? '')).toBe(defaultOwnerTag());
    expect(defaultOwnerTag()).toBe(hostname().slice(0, 128));
    await writer.abort();
  });

  it('a host name with unsafe characters becomes a safe tag', () => {
    expect(defaultOwnerTag('my host/../x')).toBe('my-host-..-x');
    expect(defaultOwnerTag('.hidden')).toBe('hidden');
    expect(defaultOwnerTag('')).toBe('host');
    expect(defaultOwnerTag('h'.repeat(300))).toHaveLength(128);
  });

  it.each([
    '',
    '.',
    '..',
    '../x',
    'a/b',
    'a\\b',
    '.hidden',
    '-dash',
    'nul\0',
    'sp ace',
    'é',
    'x'.repeat(129),
  ])('refuses owner %j with InvalidOwnerTagError before touching the filesystem', async (owner) => {
    const target = join(root, 'store');
    await expect(createFsBlobStore(target, { owner })).rejects.toBeInstanceOf(InvalidOwnerTagError);
    expect(await readdir(root)).toEqual([]);
  });

  it('parses only names of the format', () => {
    const id = randomUUID();
    expect(temporaryOwner(`a.b.${id}.part`)).toBe('a.b');
    expect(temporaryOwner(`${id}.part`)).toBeUndefined(); // no owner (the format before owner tags)
    expect(temporaryOwner(`x.${id}.partial`)).toBeUndefined();
    expect(temporaryOwner(`.x.${id}.part`)).toBeUndefined();
    expect(temporaryOwner(`x.${id.toUpperCase()}.part`)).toBeUndefined();
  });
});

describe('cleanTemporary', () => {
  it('removes every file of its own owner, whatever its age, and only stale files of other owners', async () => {
    await leftover('node-a');
    await leftover('node-a', STALE);
    const otherFresh = await leftover('node-b');
    await leftover('node-b', STALE);
    const prefixFresh = await leftover('node-a.extra'); // another owner whose tag starts with ours
    const noOwnerFresh = await leftover('', 0, `${randomUUID()}.part`);
    await leftover('', STALE, `${randomUUID()}.part`);
    const strangeFresh = await leftover('', 0, 'not-ours.tmp');
    await mkdir(join(temporaryDir, 'a-directory'));

    const store = await createFsBlobStore(root, { owner: 'node-a' });
    expect(await store.cleanTemporary()).toBe(4);
    expect(await temporaryFiles()).toEqual(
      [otherFresh, prefixFresh, noOwnerFresh, strangeFresh, 'a-directory'].sort(),
    );
  });

  it('never removes a file open in this process, even of its own owner and stale', async () => {
    const store = await createFsBlobStore(root, { owner: 'node-a', temporaryStaleAfterMs: 0 });
    const sibling = await createFsBlobStore(root, { owner: 'node-a', temporaryStaleAfterMs: 0 });
    const bytes = randomBytes(4096);
    const mine = await store.create();
    const theirs = await sibling.create();
    await mine.write(bytes);
    await theirs.write(bytes);
    const names = await temporaryFiles();
    for (const name of names) await utimes(join(temporaryDir, name), new Date(0), new Date(0));
    await leftover('node-a');

    expect(await store.cleanTemporary()).toBe(1);
    expect(await sibling.cleanTemporary()).toBe(0);
    expect(await temporaryFiles()).toEqual(names);

    // Both writers still work after the cleanup.
    const key = blobKeyFor({
      studyInstanceUid: uid(),
      seriesInstanceUid: uid(),
      sopInstanceUid: uid(),
      sha256: mine.digest(),
    });
    expect((await mine.commit(key)).size).toBe(4096);
    await theirs.abort();
    expect(await temporaryFiles()).toEqual([]);
  });

  it('with a zero stale age removes every file no writer here has open (other owners included)', async () => {
    await leftover('node-b');
    await leftover('node-c');
    const store = await createFsBlobStore(root, { owner: 'node-a', temporaryStaleAfterMs: 0 });
    const open = await store.create();
    expect(await store.cleanTemporary()).toBe(2);
    expect(await temporaryFiles()).toHaveLength(1);
    await open.abort();
  });

  it('a store restarted after its process was killed mid-write removes the leftover at once', async () => {
    const owner = 'crashed-node';
    const child = await startWriterProcess(root, owner);
    try {
      expect(await temporaryFiles()).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const [name] = await temporaryFiles();
    expect(temporaryOwner(name ?? '')).toBe(owner);

    const otherReplica = await createFsBlobStore(root, { owner: 'other-node' });
    expect(await otherReplica.cleanTemporary()).toBe(0); // fresh: maybe in flight, for all it knows
    const restarted: BlobStore = await createFsBlobStore(root, { owner });
    expect(await restarted.cleanTemporary()).toBe(1);
    expect(await temporaryFiles()).toEqual([]);
  });
});

/**
 * A separate Node process that opens the built store (libs/archive/dist, from `tsc -b`), writes part of a
 * blob and waits to be killed; resolves once the bytes are written.
 */
async function startWriterProcess(dir: string, owner: string): Promise<ReturnType<typeof spawn>> {
  const dist = new URL('../dist/index.js', import.meta.url).href;
  const script = `
    const { createFsBlobStore } = await import(${JSON.stringify(dist)});
    const store = await createFsBlobStore(process.argv[1], { owner: process.argv[2] });
    const writer = await store.create();
    await writer.write(new Uint8Array(65536).fill(7));
    process.stdout.write('written\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir, owner], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('written')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`writer process exited (${code}) early:\n${output}`)));
  });
  return child;
}
