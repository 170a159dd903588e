/**
 * The index behind a real PgBouncer in transaction mode (Debian's, with its defaults), with more callers than
 * PgBouncer has server connections, so that consecutive statements of one client land on different ones. A
 * client not told it is pooled is refused at connect; a pooled one migrates, stores, finds and publishes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgBouncer, startPgBouncer } from '../../../test/support/pgbouncer.js';
import { type PostgresServer, startPostgres } from '../../../test/support/postgres.js';
import {
  createArchiveIndex,
  createPgClient,
  IndexUnavailableError,
  MIGRATIONS,
  migrate,
} from '../src/index.js';
import { instanceRecord, storedEvent } from './support/records.js';

/** PgBouncer's server connections to PostgreSQL. */
const SERVER_CONNECTIONS = 2;
/** The client's pool: each of these is a PgBouncer client, sharing the server connections above. */
const CALLERS = 8;
const INSTANCES = 40;

let server: PostgresServer;
let bouncer: PgBouncer;

beforeAll(async () => {
  server = await startPostgres();
  bouncer = await startPgBouncer(server, { poolMode: 'transaction', poolSize: SERVER_CONNECTIONS });
});

afterAll(async () => {
  await bouncer?.dispose();
  await server?.dispose();
});

describe('the index through PgBouncer in transaction mode', () => {
  it('refuses a client that is not told it is pooled: its statement timeout is a startup parameter', async () => {
    const client = createPgClient(bouncer.url, { max: 1 });
    try {
      const error = await client.query('SELECT 1').then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(IndexUnavailableError);
      expect((error as Error).message).toMatch(/unsupported startup parameter: statement_timeout/);
    } finally {
      await client.close();
    }
  });

  it('a pooled client migrates, stores from concurrent callers, finds by named statements and publishes', async () => {
    const client = createPgClient(bouncer.url, { max: CALLERS, pooled: true });
    try {
      expect(await migrate(client)).toEqual(MIGRATIONS.map((m) => m.version));
      const index = createArchiveIndex(client);
      const records = Array.from({ length: INSTANCES }, (_, i) => instanceRecord({ patientId: `PAT-${i}` }));

      // storeInstance is a named statement in the code: prepared once per connection when the connection is ours.
      const stored = await Promise.all(
        records.map((r) => index.storeInstance(r, storedEvent(r), { overwrite: false })),
      );
      expect(stored.map((s) => s.outcome)).toEqual(records.map(() => 'stored'));
      const again = await Promise.all(
        records.map((r) => index.storeInstance(r, storedEvent(r), { overwrite: false })),
      );
      expect(again.map((s) => s.outcome)).toEqual(records.map(() => 'duplicate'));

      const found = await Promise.all(
        records.map((r) =>
          client.query<{ n: string }>(
            'SELECT count(*) AS n FROM instances WHERE sop_instance_uid = $1',
            [r.sopInstanceUid],
            { name: 'pgbouncer_test_count_v1' },
          ),
        ),
      );
      expect(found.map(({ rows }) => Number(rows[0]?.n))).toEqual(records.map(() => 1));
      for (const r of records) expect((await index.getInstance(r.sopInstanceUid))?.blobKey).toBe(r.blobKey);

      const pending = await index.pending(INSTANCES * 2);
      expect(pending).toHaveLength(INSTANCES);
      await index.markPublished(pending.map((row) => row.id));
      expect(await index.pending(INSTANCES)).toHaveLength(0);
      expect(await index.countInstances()).toBe(INSTANCES);
    } finally {
      await client.close();
    }
  });
});
