/**
 * The index when PostgreSQL goes away: every call rejects with IndexUnavailableError within the connect
 * timeout instead of hanging, and the same client works again once the server is back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../../../test/support/postgres.js';
import {
  type ArchiveIndex,
  createArchiveIndex,
  createPgClient,
  IndexUnavailableError,
  migrate,
  type SqlClient,
} from '../src/index.js';
import { freshPostgresDatabase, type TestDatabase } from './support/index-backends.js';
import { instanceRecord, storedEvent } from './support/records.js';

const CONNECT_TIMEOUT_MS = 1_000;
/** The bound the brief sets is the connect timeout; allow scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 1_500;

let server: PostgresServer;
let database: TestDatabase | undefined;
const idleErrors: Error[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterEach(async () => {
  await server.start().catch(() => undefined); // a failed test may leave it stopped
  await database?.dispose();
  database = undefined;
});

afterAll(async () => {
  await server?.dispose();
});

async function openIndex(): Promise<{ client: SqlClient; index: ArchiveIndex }> {
  database = await freshPostgresDatabase(server, {
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    onIdleError: (error) => idleErrors.push(error),
  });
  await migrate(database.client);
  return { client: database.client, index: createArchiveIndex(database.client) };
}

/** The rejection of `promise` and how long it took. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected a rejection');
}

async function postmasterPid(): Promise<number> {
  const text = await readFile(join(server.dataDir, 'postmaster.pid'), 'utf8');
  return Number(text.split('\n')[0]);
}

async function parentPid(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1]);
}

/**
 * `start()` after a kill -9 fails while the dead postmaster's backends still hold its shared memory
 * ("pre-existing shared memory block is still in use"); they exit on noticing, so retry until a deadline.
 */
async function startAfterCrash(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await server.start();
      return;
    } catch (error) {
      if (Date.now() > deadline || !String(error).includes('still in use')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * SIGCONT for the postmaster and for its parent: as root the harness runs it under runuser, which stops
 * itself when its child stops and would stay stopped (and never report the server's exit).
 */
async function resume(pid: number): Promise<void> {
  const parent = await parentPid(pid);
  process.kill(pid, 'SIGCONT');
  if (parent > 1 && parent !== process.pid) process.kill(parent, 'SIGCONT');
}

describe('pg client with PostgreSQL stopped', () => {
  it('rejects queries and store transactions with IndexUnavailableError, then works again after a restart', async () => {
    const { index } = await openIndex();
    const before = instanceRecord();
    // Fill the pool with idle connections that the stop will kill.
    await Promise.all([
      index.storeInstance(before, storedEvent(before), { overwrite: false }),
      index.pending(10),
      index.findInstance(before.sopInstanceUid),
    ]);

    await server.stop();
    const record = instanceRecord();
    for (const call of [
      () => index.findInstance(before.sopInstanceUid),
      () => index.storeInstance(record, storedEvent(record), { overwrite: false }),
      () => index.pending(10),
      () => index.markPublished([1]),
    ]) {
      const { error, ms } = await rejection(call());
      expect(error).toBeInstanceOf(IndexUnavailableError);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    }

    expect(idleErrors.length).toBeGreaterThan(0); // the idle pooled connections died and were reported
    await server.start();
    // The same client, no retry loop: dead pooled connections were dropped, new ones are made.
    expect(await index.findInstance(before.sopInstanceUid)).toEqual({
      blobKey: before.blobKey,
      sha256: before.sha256,
    });
    expect(await index.storeInstance(record, storedEvent(record), { overwrite: false })).toEqual({
      outcome: 'stored',
    });
    expect(await index.countInstances()).toBe(2);
  });

  it('a server stopped in the middle of a transaction: the store rejects, nothing crashes, the pool recovers', async () => {
    const { client, index } = await openIndex();
    const failure = await rejection(
      client.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await server.stop(); // the checked-out connection dies between two statements
        await tx.query('SELECT 1');
      }),
    );
    expect(failure.error).toBeInstanceOf(IndexUnavailableError);
    await server.start();
    const record = instanceRecord();
    expect(await index.storeInstance(record, storedEvent(record), { overwrite: false })).toEqual({
      outcome: 'stored',
    });
  });

  it('a crashed server (kill -9) is unavailable too, and recovers with its committed data', async () => {
    const { index } = await openIndex();
    const record = instanceRecord();
    await index.storeInstance(record, storedEvent(record), { overwrite: false });
    await server.kill9();
    const { error, ms } = await rejection(index.findInstance(record.sopInstanceUid));
    expect(error).toBeInstanceOf(IndexUnavailableError);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    await startAfterCrash();
    expect(await index.findInstance(record.sopInstanceUid)).toEqual({
      blobKey: record.blobKey,
      sha256: record.sha256,
    });
  });

  it('a server that accepts TCP but never answers (SIGSTOP) fails a new connection at the connect timeout', async () => {
    database = await freshPostgresDatabase(server);
    const url = new URL(server.url);
    url.pathname = '/postgres';
    const client = createPgClient(url.toString(), { connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const pid = await postmasterPid();
    process.kill(pid, 'SIGSTOP');
    try {
      const { error, ms } = await rejection(client.query('SELECT 1'));
      expect(error).toBeInstanceOf(IndexUnavailableError);
      expect(ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + SLACK_MS);
    } finally {
      await resume(pid);
    }
    expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual({ rows: [{ one: 1 }] });
    await client.close();
  });

  it('a statement over the statement timeout rejects with IndexUnavailableError', async () => {
    database = await freshPostgresDatabase(server, { statementTimeoutMs: 200 });
    const { error } = await rejection(database.client.query('SELECT pg_sleep(5)'));
    expect(error).toBeInstanceOf(IndexUnavailableError);
    expect((error as IndexUnavailableError).code).toBe('57014');
  });

  it('SQL errors are not unavailability: they pass through unchanged', async () => {
    const { client } = await openIndex();
    const { error } = await rejection(client.query('SELECT * FROM no_such_table'));
    expect(error).not.toBeInstanceOf(IndexUnavailableError);
    expect((error as { code?: string }).code).toBe('42P01');
  });
});
