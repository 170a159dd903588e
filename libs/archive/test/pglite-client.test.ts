/**
 * The embedded index's client runs PGlite in a worker thread: what crosses the thread (rows of every type
 * the index reads, errors with their SQLSTATE), how a transaction holds the one connection, and how the
 * client fails when the worker cannot open its directory (or make the ones above it) or has been closed.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgliteClient,
  EmbeddedIndexError,
  IndexUnavailableError,
  type SqlClient,
} from '../src/index.js';

const UNIQUE_VIOLATION = '23505';

describe('the embedded index in its worker thread', () => {
  let dir: string;
  let client: SqlClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dicomesh-pglite-worker-'));
    client = await createPgliteClient(join(dir, 'index'));
    await client.query(
      'CREATE TABLE items (id integer PRIMARY KEY, name text, at timestamptz, doc jsonb, data bytea, big bigint)',
    );
  });
  afterAll(async () => {
    await client?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns rows with their types: numbers, text, timestamps, JSON, bytes, 64-bit integers', async () => {
    const at = new Date('2026-12-01T04:00:00.000Z');
    await client.query('INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6)', [
      1,
      'Ä^Ö',
      at,
      JSON.stringify({ a: [1, 'b'] }),
      Uint8Array.from([0, 1, 255]),
      '9007199254740993',
    ]);
    const { rows } = await client.query<Record<string, unknown>>('SELECT * FROM items WHERE id = $1', [1]);
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown>;
    expect(row.id).toBe(1);
    expect(row.name).toBe('Ä^Ö');
    expect(row.at).toEqual(at);
    expect(row.doc).toEqual({ a: [1, 'b'] });
    expect(Array.from(row.data as Uint8Array)).toEqual([0, 1, 255]);
    expect(String(row.big)).toBe('9007199254740993');
  });

  it('rejects a refused statement with its SQLSTATE as `code`, and goes on serving', async () => {
    const error = await client.query('INSERT INTO items (id) VALUES (1)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedIndexError);
    expect((error as EmbeddedIndexError).code).toBe(UNIQUE_VIOLATION);
    expect((error as Error).message).toMatch(/duplicate key/);
    expect((await client.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 1 }]);
  });

  it('runs a transaction alone: a statement issued meanwhile sees it only once it has committed', async () => {
    let seenDuring: unknown;
    let outside: Promise<{ rows: { n: number }[] }> | undefined;
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id) VALUES (2)');
      outside = client.query<{ n: number }>('SELECT count(*)::int AS n FROM items');
      await tx.query('INSERT INTO items (id) VALUES (3)');
      seenDuring = (await tx.query('SELECT count(*)::int AS n FROM items')).rows;
    });
    expect(seenDuring).toEqual([{ n: 3 }]);
    expect((await outside)?.rows).toEqual([{ n: 3 }]);
  });

  it('rolls a failed transaction back whole and rethrows its error', async () => {
    const error = await client
      .transaction(async (tx) => {
        await tx.query('INSERT INTO items (id) VALUES (4)');
        await tx.query('INSERT INTO items (id) VALUES (1)');
      })
      .catch((e: unknown) => e);
    expect((error as EmbeddedIndexError).code).toBe(UNIQUE_VIOLATION);
    expect((await client.query('SELECT id FROM items WHERE id = 4')).rows).toEqual([]);
  });
});

describe('the embedded index in a data dir not made yet', () => {
  it('makes the directories above its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pglite-worker-'));
    try {
      const client = await createPgliteClient(join(dir, 'volume', 'data', 'index'));
      await client.query('CREATE TABLE made (id integer)');
      expect((await client.query('SELECT count(*)::int AS n FROM made')).rows).toEqual([{ n: 0 }]);
      await client.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the embedded index client failing', () => {
  it('rejects at creation when PGlite cannot open its directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pglite-worker-'));
    try {
      const notADirectory = join(dir, 'file');
      await writeFile(notADirectory, 'not a directory');
      await expect(createPgliteClient(notADirectory)).rejects.toBeInstanceOf(EmbeddedIndexError);
      // Nor the directories above it: a file where one should be.
      await expect(createPgliteClient(join(notADirectory, 'data', 'index'))).rejects.toBeInstanceOf(
        EmbeddedIndexError,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects every statement once closed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pglite-worker-'));
    try {
      const client = await createPgliteClient(join(dir, 'index'));
      await client.close();
      await expect(client.query('SELECT 1')).rejects.toThrow(/closed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the embedded index after its worker thread died', () => {
  it('fails what was in flight, starts the thread again on the next statement, and keeps what was committed', async () => {
    // Node announces every worker thread it starts on this channel: the test ends one from outside.
    const workers: Worker[] = [];
    const onWorker = (message: unknown) => workers.push((message as { worker: Worker }).worker);
    diagnosticsChannel.subscribe('worker_threads', onWorker);
    const dir = await mkdtemp(join(tmpdir(), 'dicomesh-pglite-worker-'));
    let client: SqlClient | undefined;
    const died: Error[] = [];
    const restarted: number[] = [];
    try {
      client = await createPgliteClient(join(dir, 'index'), {
        onThreadDied: (error) => died.push(error),
        onThreadRestarted: (generation) => restarted.push(generation),
      });
      expect(workers).toHaveLength(1);
      await client.query('CREATE TABLE items (id integer PRIMARY KEY)');
      await client.query('INSERT INTO items VALUES (1)');

      const interrupted = client.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES (2)');
        await workers[0]?.terminate();
        await tx.query('INSERT INTO items VALUES (3)');
      });
      await expect(interrupted).rejects.toBeInstanceOf(IndexUnavailableError);

      expect(died).toHaveLength(1);
      expect((await client.query('SELECT id FROM items ORDER BY id')).rows).toEqual([{ id: 1 }]);
      expect(workers).toHaveLength(2);
      expect(restarted).toEqual([2]);
      await client.query('INSERT INTO items VALUES (2)');
      expect((await client.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 2 }]);
      await client.close();
      expect(died).toHaveLength(1); // closing is not dying
    } finally {
      diagnosticsChannel.unsubscribe('worker_threads', onWorker);
      await client?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
