/**
 * The index is a real PostgreSQL that is stopped under a running storage server: Store answers A700 (Out of
 * Resources) with an Error Comment, within a bound set by the pg client's connect timeout, and leaves no
 * blob (a C-STORE success must mean "on disk and findable"; a failure must leave nothing). Once PostgreSQL
 * is back, the next store succeeds.
 */
import { Status } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../../../test/support/postgres.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, newUids, smallDataSet } from './support/data-sets.js';
import { chunked, type StorageHarness, startHarness, storeHeader } from './support/storage-harness.js';

/** The pg client gives up connecting after 5 s (PgClientOptions.connectTimeoutMs); allow the call around it. */
const ANSWER_BOUND_MS = 10_000;

function storeNew(harness: StorageHarness) {
  const uids = newUids();
  return {
    uids,
    response: harness.store(
      storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
      chunked(smallDataSet(uids), 50),
    ),
  };
}

describe('the index database goes down', () => {
  let postgres: PostgresServer;
  let harness: StorageHarness;

  beforeAll(async () => {
    postgres = await startPostgres();
    harness = await startHarness({ databaseUrl: postgres.url });
  });
  afterAll(async () => {
    await harness?.close();
    await postgres?.dispose();
  });

  it('answers A700 with a comment, stores nothing, and recovers when it is back', async () => {
    const before = storeNew(harness);
    expect((await before.response).status).toBe(Status.Success);
    const filesBefore = await harness.blobFiles();
    expect(filesBefore).toHaveLength(1);

    await postgres.stop();
    const started = performance.now();
    const down = storeNew(harness);
    const response = await down.response;
    const elapsed = performance.now() - started;
    expect(response.status, response.errorComment).toBe(Status.OutOfResources);
    expect(response.errorComment).toMatch(/index/i);
    expect(elapsed).toBeLessThan(ANSWER_BOUND_MS);
    expect(await harness.blobFiles()).toEqual(filesBefore);

    await postgres.start();
    const after = storeNew(harness);
    const recovered = await after.response;
    expect(recovered, recovered.errorComment).toEqual({
      status: Status.Success,
      errorComment: '',
      duplicate: false,
    });
    expect(await harness.runtime.index.getInstance(after.uids.sopInstanceUid)).toBeDefined();
    expect(await harness.runtime.index.getInstance(down.uids.sopInstanceUid)).toBeUndefined();
    expect(await harness.blobFiles()).toHaveLength(2);
  });
});
