/**
 * Test helper: what a topology's archive holds, read from the outside: files under `<dataDir>/blobs`
 * (committed blobs, and temporary files under `.tmp`), and rows of the PostgreSQL index and outbox.
 * Queries go through `psql` (a fresh connection each, so they work across PostgreSQL restarts; and the
 * `pg` driver does not load under vitest's `import` condition, see the fault tests' report).
 */

import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

export const BLOBS_DIRECTORY = 'blobs';
export const TEMPORARY_DIRECTORY = '.tmp';
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const run = promisify(execFile);

export interface FileEntry {
  /** Path relative to the blobs directory. */
  readonly path: string;
  readonly size: number;
}

async function walk(dir: string, root: string, skip: string | undefined, out: FileEntry[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== skip) await walk(path, root, skip, out);
    } else {
      try {
        out.push({ path: relative(root, path), size: (await stat(path)).size });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
}

/** Every file under blobs/ except the temporary directory: what a reader could see as stored. */
export async function committedBlobFiles(dataDir: string): Promise<FileEntry[]> {
  const root = join(dataDir, BLOBS_DIRECTORY);
  const out: FileEntry[] = [];
  await walk(root, root, join(root, TEMPORARY_DIRECTORY), out);
  return out;
}

/** The files in blobs/.tmp (stores in flight or interrupted). */
export async function temporaryFiles(dataDir: string): Promise<FileEntry[]> {
  const root = join(dataDir, BLOBS_DIRECTORY);
  const out: FileEntry[] = [];
  await walk(join(root, TEMPORARY_DIRECTORY), root, undefined, out);
  return out;
}

export interface InstanceRow {
  readonly sopInstanceUid: string;
  readonly blobKey: string;
  readonly size: number;
  readonly sha256: string;
  readonly dataSetOffset: number;
}

/** Runs one query and returns its rows as arrays of text fields (unaligned, tab-separated, no header). */
async function query(url: string, sql: string): Promise<string[][]> {
  const { stdout } = await run(PSQL, [url, '-X', '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', sql]);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

/** A UID as an SQL literal (UIDs are digits and dots; anything else is refused). */
function uidLiteral(uid: string): string {
  if (!/^[0-9.]+$/.test(uid)) throw new Error(`not a UID: ${JSON.stringify(uid)}`);
  return `'${uid}'`;
}

/** The index row of one instance, or undefined. */
export async function instanceRow(url: string, sopInstanceUid: string): Promise<InstanceRow | undefined> {
  const rows = await query(
    url,
    `SELECT sop_instance_uid, blob_key, size, sha256, data_set_offset FROM instances WHERE sop_instance_uid = ${uidLiteral(sopInstanceUid)}`,
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const [uid, blobKey, size, sha256, offset] = row;
  return {
    sopInstanceUid: String(uid),
    blobKey: String(blobKey),
    size: Number(size),
    sha256: String(sha256),
    dataSetOffset: Number(offset),
  };
}

async function count(url: string, sql: string): Promise<number> {
  const rows = await query(url, sql);
  return Number(rows[0]?.[0] ?? Number.NaN);
}

/** How many instances the index holds. */
export function instanceCount(url: string): Promise<number> {
  return count(url, 'SELECT count(*) FROM instances');
}

/** Outbox rows not yet published (published_at IS NULL). */
export function pendingOutboxRows(url: string): Promise<number> {
  return count(url, 'SELECT count(*) FROM outbox WHERE published_at IS NULL');
}

/** Outbox rows for this subject, published or not. */
export function outboxRows(url: string, subject: string): Promise<number> {
  if (!/^[a-z0-9.]+$/.test(subject)) throw new Error(`not a subject: ${subject}`);
  return count(url, `SELECT count(*) FROM outbox WHERE subject = '${subject}'`);
}
