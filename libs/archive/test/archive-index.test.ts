import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveIndex, blobKeyFor, createArchiveIndex, migrate, type SqlClient } from '../src/index.js';
import { BACKENDS, type Backends, startBackends, type TestDatabase } from './support/index-backends.js';
import { instanceRecord, sha256Of, storedEvent, uid } from './support/records.js';

let backends: Backends;
let database: TestDatabase | undefined;

beforeAll(async () => {
  backends = await startBackends();
});

afterEach(async () => {
  await database?.dispose();
  database = undefined;
});

afterAll(async () => {
  await backends?.dispose();
});

async function count(client: SqlClient, table: string): Promise<number> {
  const { rows } = await client.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

async function counts(client: SqlClient): Promise<Record<string, number>> {
  const tables = ['patients', 'studies', 'series', 'instances', 'outbox'];
  const values = await Promise.all(tables.map((table) => count(client, table)));
  return Object.fromEntries(tables.map((table, i) => [table, values[i] ?? -1]));
}

/** Polls until `condition` holds, or fails after `timeoutMs`. */
async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('archive index on postgresql, lock order', () => {
  it('an overwrite waiting for a patient row holds no instance lock (no deadlock with a store in flight)', async () => {
    database = await backends.fresh('postgresql');
    const { client } = database;
    await migrate(client);
    const index = createArchiveIndex(client);
    const first = instanceRecord();
    await index.storeInstance(first, storedEvent(first), { overwrite: false });
    // New study data, so the store has to upsert (and lock) the hierarchy, beginning with the patient.
    const replacement = {
      ...instanceRecord({ ...first, content: 'replacement' }),
      studyDescription: 'revised',
    };

    // A concurrent store in flight: it holds the patient row and will want the instance row next.
    const other = await database.connect();
    const { storing } = await other.transaction(async (tx) => {
      await tx.query('SELECT id FROM patients WHERE patient_id = $1 FOR UPDATE', [first.patientId]);
      const storing = index.storeInstance(replacement, storedEvent(replacement), { overwrite: true });
      await waitFor(async () => {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return Number(rows[0]?.n) > 0;
      }, 'the overwrite to wait for the patient row');
      await tx.query('SELECT blob_key FROM instances WHERE sop_instance_uid = $1 FOR UPDATE', [
        first.sopInstanceUid,
      ]);
      return { storing }; // not awaited inside: the store waits for this transaction to commit
    });
    expect(await storing).toEqual({ outcome: 'replaced', replacedBlobKey: first.blobKey });
  });
});

describe('archive index on postgresql, a store that loses the race for a new instance', () => {
  it('is a duplicate of the winner and changes nothing (its hierarchy upserts roll back with it)', async () => {
    database = await backends.fresh('postgresql');
    const { client } = database;
    await migrate(client);
    const index = createArchiveIndex(client);
    const winner = instanceRecord();
    const loser = { ...instanceRecord({ ...winner, content: 'other bytes' }), studyDescription: 'loser' };

    // The winner's store in flight: its instance row inserted, not yet committed.
    const other = await database.connect();
    const outcome = await other.transaction(async (tx) => {
      await createArchiveIndex(tx).storeInstance(winner, storedEvent(winner), { overwrite: false });
      const losing = index.storeInstance(loser, storedEvent(loser), { overwrite: false });
      await waitFor(async () => {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return Number(rows[0]?.n) > 0;
      }, 'the second store to wait for the first');
      return { losing }; // not awaited inside: it waits for this transaction to commit
    });
    expect(await outcome.losing).toEqual({ outcome: 'duplicate', storedBlobKey: winner.blobKey });
    expect(await counts(client)).toEqual({ patients: 1, studies: 1, series: 1, instances: 1, outbox: 1 });
    expect((await index.getInstance(winner.sopInstanceUid))?.studyDescription).toBe(winner.studyDescription);
  });
});

describe('archive index on postgresql, concurrency within one study', () => {
  it('a store into a known, unchanged study does not wait for another transaction holding its patient row', async () => {
    database = await backends.fresh('postgresql');
    await migrate(database.client);
    // A blocked store fails at the statement timeout instead of hanging the test.
    const index = createArchiveIndex(await database.connect({ statementTimeoutMs: 5_000 }));
    const first = instanceRecord();
    await index.storeInstance(first, storedEvent(first), { overwrite: false });
    const next = instanceRecord({
      studyInstanceUid: first.studyInstanceUid,
      seriesInstanceUid: first.seriesInstanceUid,
    });
    const other = await database.connect();
    const outcome = await other.transaction(async (tx) => {
      await tx.query('SELECT id FROM patients WHERE patient_id = $1 FOR UPDATE', [first.patientId]);
      return index.storeInstance(next, storedEvent(next), { overwrite: false });
    });
    expect(outcome).toEqual({ outcome: 'stored' });
  });
});

describe.each(BACKENDS)('archive index on %s', (backend) => {
  let client: SqlClient;
  let index: ArchiveIndex;

  async function open(): Promise<void> {
    database = await backends.fresh(backend);
    client = database.client;
    await migrate(client);
    index = createArchiveIndex(client);
  }

  it('stores a new instance: patient, study, series and instance rows and one pending outbox event', async () => {
    await open();
    const record = instanceRecord();
    const event = storedEvent(record);
    expect(await index.findInstance(record.sopInstanceUid)).toBeUndefined();

    expect(await index.storeInstance(record, event, { overwrite: false })).toEqual({ outcome: 'stored' });

    expect(await counts(client)).toEqual({ patients: 1, studies: 1, series: 1, instances: 1, outbox: 1 });
    expect(await index.countInstances()).toBe(1);
    expect(await index.findInstance(record.sopInstanceUid)).toEqual({
      blobKey: record.blobKey,
      sha256: record.sha256,
    });
    const stored = await index.getInstance(record.sopInstanceUid);
    expect(stored).toMatchObject({ ...record, issuerOfPatientId: '' });
    expect(stored?.receivedAt).toBeInstanceOf(Date);

    const pending = await index.pending(10);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toEqual({ id: expect.any(Number), ...event });
    await index.markPublished(pending.map((row) => row.id));
    expect(await index.pending(10)).toEqual([]);
    expect(await count(client, 'outbox')).toBe(1);
  });

  it('a second store of the same SOP Instance UID without overwrite is a duplicate: nothing changes, no event', async () => {
    await open();
    const first = instanceRecord();
    await index.storeInstance(first, storedEvent(first), { overwrite: false });
    const again = instanceRecord({ ...first, content: 'other bytes' });
    expect(again.blobKey).not.toBe(first.blobKey);

    expect(await index.storeInstance(again, storedEvent(again), { overwrite: false })).toEqual({
      outcome: 'duplicate',
      storedBlobKey: first.blobKey,
    });
    expect(await counts(client)).toEqual({ patients: 1, studies: 1, series: 1, instances: 1, outbox: 1 });
    expect(await index.findInstance(first.sopInstanceUid)).toEqual({
      blobKey: first.blobKey,
      sha256: first.sha256,
    });
  });

  it('with overwrite a second store replaces the instance, returns the old blob key and adds an event', async () => {
    await open();
    const first = instanceRecord();
    await index.storeInstance(first, storedEvent(first), { overwrite: false });
    const replacement = { ...instanceRecord({ ...first, content: 'new bytes' }), instanceNumber: 8 };

    expect(await index.storeInstance(replacement, storedEvent(replacement), { overwrite: true })).toEqual({
      outcome: 'replaced',
      replacedBlobKey: first.blobKey,
    });
    expect(await counts(client)).toEqual({ patients: 1, studies: 1, series: 1, instances: 1, outbox: 2 });
    expect(await index.getInstance(first.sopInstanceUid)).toMatchObject({
      blobKey: replacement.blobKey,
      sha256: replacement.sha256,
      instanceNumber: 8,
    });
    expect((await index.pending(10)).map((row) => row.msgId)).toEqual([
      storedEvent(first).msgId,
      storedEvent(replacement).msgId,
    ]);
  });

  it('overwrite with the same bytes is replaced with no blob to remove (the key is the same file)', async () => {
    await open();
    const record = instanceRecord();
    await index.storeInstance(record, storedEvent(record), { overwrite: false });
    expect(await index.storeInstance(record, storedEvent(record), { overwrite: true })).toEqual({
      outcome: 'replaced',
    });
  });

  it('two concurrent stores of the same new instance: exactly one stored, the other duplicate', async () => {
    await open();
    for (let round = 0; round < 5; round++) {
      const record = instanceRecord();
      const outcomes = await Promise.all(
        [0, 1].map(() => index.storeInstance(record, storedEvent(record), { overwrite: false })),
      );
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'stored']);
    }
    expect(await counts(client)).toEqual({ patients: 1, studies: 5, series: 5, instances: 5, outbox: 5 });
  });

  it('concurrent stores of one new instance with overwrite: one stored, the rest replaced, no deadlock', async () => {
    await open();
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const record = instanceRecord({ patientId: 'SHARED' });
      const outcomes = await Promise.all(
        [0, 1, 2, 3].map(() => index.storeInstance(record, storedEvent(record), { overwrite: true })),
      );
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['replaced', 'replaced', 'replaced', 'stored']);
    }
    expect(await counts(client)).toEqual({
      patients: 1,
      studies: rounds,
      series: rounds,
      instances: rounds,
      outbox: 4 * rounds,
    });
  });

  it('concurrent stores of different instances of one new study share one patient, study and series row', async () => {
    await open();
    const studyInstanceUid = uid();
    const seriesInstanceUid = uid();
    const records = Array.from({ length: 8 }, () => instanceRecord({ studyInstanceUid, seriesInstanceUid }));
    const outcomes = await Promise.all(
      records.map((record) => index.storeInstance(record, storedEvent(record), { overwrite: false })),
    );
    expect(outcomes.every((o) => o.outcome === 'stored')).toBe(true);
    expect(await counts(client)).toEqual({ patients: 1, studies: 1, series: 1, instances: 8, outbox: 8 });
  });

  it('later instances fill in study and series columns and merge level attributes', async () => {
    await open();
    const first = { ...instanceRecord(), studyDescription: undefined, modality: undefined };
    await index.storeInstance(first, storedEvent(first), { overwrite: false });
    const second = instanceRecord({
      studyInstanceUid: first.studyInstanceUid,
      seriesInstanceUid: first.seriesInstanceUid,
    });
    await index.storeInstance(second, storedEvent(second), { overwrite: false });
    const { rows } = await client.query<{ study_description: string; modality: string; attributes: object }>(
      `SELECT st.study_description, se.modality, se.attributes FROM series se JOIN studies st ON st.id = se.study_fk`,
    );
    expect(rows).toEqual([
      {
        study_description: 'CT chest',
        modality: 'CT',
        attributes: {
          '0020000E': { vr: 'UI', Value: [first.seriesInstanceUid] },
          '00080060': { vr: 'CS', Value: ['CT'] },
        },
      },
    ]);
  });

  it('a later instance that brings nothing new leaves the patient, study and series rows untouched', async () => {
    await open();
    const first = instanceRecord();
    await index.storeInstance(first, storedEvent(first), { overwrite: false });
    const versions = async () =>
      (
        await client.query<{ v: string }>(
          `SELECT p.xmin::text || '/' || st.xmin::text || '/' || se.xmin::text AS v
           FROM patients p JOIN studies st ON st.patient_fk = p.id JOIN series se ON se.study_fk = st.id`,
        )
      ).rows.map((row) => row.v);
    const before = await versions();
    const same = instanceRecord({
      studyInstanceUid: first.studyInstanceUid,
      seriesInstanceUid: first.seriesInstanceUid,
    });
    const fewerAttributes = { ...instanceRecord(same), sopInstanceUid: uid(), studyDescription: undefined };
    for (const record of [same, { ...fewerAttributes, blobKey: same.blobKey }]) {
      await index.storeInstance(record, storedEvent(record), { overwrite: false });
    }
    expect(await versions()).toEqual(before);

    const changed = { ...instanceRecord(same), sopInstanceUid: uid(), seriesDescription: 'coronal' };
    await index.storeInstance(changed, storedEvent(changed), { overwrite: false });
    const after = await versions();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect((await index.getInstance(changed.sopInstanceUid))?.seriesDescription).toBe('coronal');
    expect(await counts(client)).toEqual({ patients: 1, studies: 1, series: 1, instances: 4, outbox: 4 });
  });

  it('keeps patients apart by Issuer of Patient ID', async () => {
    await open();
    const withIssuer = (issuer: string) => {
      const record = instanceRecord({ patientId: 'SAME' });
      return { ...record, attributes: { ...record.attributes, '00100021': { vr: 'LO', Value: [issuer] } } };
    };
    for (const record of [withIssuer('HOSP-A'), withIssuer('HOSP-B'), withIssuer('HOSP-A')]) {
      await index.storeInstance(record, storedEvent(record), { overwrite: false });
    }
    expect(await count(client, 'patients')).toBe(2);
  });

  it('strips NUL from text and JSON (PostgreSQL refuses it) and nulls out-of-range integers', async () => {
    await open();
    const base = instanceRecord();
    const record = {
      ...base,
      patientName: 'Doe^Jane\0',
      seriesNumber: 2 ** 40,
      attributes: { ...base.attributes, '00081030': { vr: 'LO', Value: ['CT\0\0'] } },
    };
    await index.storeInstance(record, storedEvent(record), { overwrite: false });
    const stored = await index.getInstance(record.sopInstanceUid);
    expect(stored?.patientName).toBe('Doe^Jane');
    expect(stored?.seriesNumber).toBeUndefined();
    expect(stored?.attributes['00081030']).toEqual({ vr: 'LO', Value: ['CT'] });
  });

  it('pending returns the oldest unpublished events first, up to the limit; markPublished ignores unknown ids', async () => {
    await open();
    const records = Array.from({ length: 5 }, () => instanceRecord());
    for (const record of records)
      await index.storeInstance(record, storedEvent(record), { overwrite: false });
    const firstTwo = await index.pending(2);
    expect(firstTwo.map((row) => row.msgId)).toEqual(records.slice(0, 2).map((r) => storedEvent(r).msgId));
    await index.markPublished([]);
    await index.markPublished([...firstTwo.map((row) => row.id), 987654]);
    expect((await index.pending(10)).map((row) => row.msgId)).toEqual(
      records.slice(2).map((r) => storedEvent(r).msgId),
    );
    await expect(index.markPublished([1.5])).rejects.toThrow(RangeError);
  });

  it('a store whose transaction fails leaves nothing behind (no hierarchy rows, no event)', async () => {
    await open();
    const good = instanceRecord();
    // A key that blobKeyFor never made but that the type system cannot stop at run time: NOT NULL fails.
    const bad = { ...instanceRecord(), sourceAeTitle: undefined as unknown as string };
    await expect(index.storeInstance(bad, storedEvent(bad), { overwrite: false })).rejects.toThrow();
    expect(await counts(client)).toEqual({ patients: 0, studies: 0, series: 0, instances: 0, outbox: 0 });
    await index.storeInstance(good, storedEvent(good), { overwrite: false });
    expect(await index.countInstances()).toBe(1);
  });

  it('keys built from the same UIDs but other bytes differ, so a replaced blob never overwrites the old file', () => {
    const parts = { studyInstanceUid: uid(), seriesInstanceUid: uid(), sopInstanceUid: uid() };
    expect(blobKeyFor({ ...parts, sha256: sha256Of('a') })).not.toBe(
      blobKeyFor({ ...parts, sha256: sha256Of('b') }),
    );
  });
});
