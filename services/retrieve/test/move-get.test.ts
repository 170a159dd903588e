/**
 * C-MOVE and C-GET end to end in one process (gateway -> Retrieve -> PostgreSQL index and blob store):
 * into a real DCMTK storescp and into Orthanc, DCMTK movescu --cancel against a slow destination, our
 * SCU's C-GET with C-CANCEL, and destinations that die or stop answering in the middle of a move.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeIdentifier, generateUid, parsePart10 } from '@dicomesh/dicom';
import {
  connectScu,
  type DimseClient,
  queryRetrieveContexts,
  storageContexts,
  storageScpRoles,
} from '@dicomesh/dimse';
import type { BusMessage } from '@dicomesh/events';
import type { ReadableSpan } from '@dicomesh/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorescp } from '../../../libs/dimse/test/support/dcmtk.js';
import { startOrthanc } from '../../../libs/dimse/test/support/orthanc.js';
import {
  AE_TITLE,
  type Harness,
  run,
  startHarness,
  startTestDestination,
  until,
} from './support/retrieve-harness.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** The sub-operation watchdog of this harness: a destination that stops answering fails within it. */
const SUB_OPERATION_TIMEOUT_MS = 3_000;
/** How long the slow destination takes per object, so a C-CANCEL lands in the middle of the move. */
const SLOW_STORE_MS = 300;

/** SOP Instance UID -> data set bytes of every Part 10 file in `dir` (or in its subdirectories that `within` picks). */
function dataSetsIn(dir: string, within?: (name: string) => boolean): Map<string, Buffer> {
  const files = within
    ? readdirSync(dir)
        .filter(within)
        .flatMap((sub) => readdirSync(join(dir, sub)).map((f) => join(dir, sub, f)))
    : readdirSync(dir).map((f) => join(dir, f));
  const out = new Map<string, Buffer>();
  for (const file of files) {
    const bytes = readFileSync(file);
    const { meta, dataSetOffset } = parsePart10(bytes);
    out.set(meta.mediaStorageSopInstanceUid as string, bytes.subarray(dataSetOffset));
  }
  return out;
}

function studyKey(studyUid: string) {
  return (ts: string) =>
    Buffer.from(encodeIdentifier({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: studyUid }, ts));
}

async function scu(h: Harness, roles = false): Promise<DimseClient> {
  return connectScu({
    host: '127.0.0.1',
    port: h.port,
    callingAeTitle: 'OURSCU',
    calledAeTitle: AE_TITLE,
    contexts: [...queryRetrieveContexts(), ...(roles ? storageContexts([CT], [EXPLICIT_LE]) : [])],
    ...(roles ? { roles: storageScpRoles([CT]) } : {}),
  });
}

describe('C-MOVE and C-GET through the gateway', () => {
  let h: Harness;
  const study = generateUid();
  const series = generateUid();
  let uids: string[] = [];
  const events: BusMessage[] = [];

  beforeAll(async () => {
    h = await startHarness({ subOperationTimeoutMs: SUB_OPERATION_TIMEOUT_MS });
    h.bus.subscribe('dicomesh.v1.retrieve.completed', (m) => {
      events.push(m);
    });
    uids = await h.storeSeries('RT-1', study, series, 12);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('moves a study into DCMTK storescp: a Pending response per object, Success, spans and event', async () => {
    const out = join(h.dir, 'storescp');
    await mkdir(out);
    const storescp = await startStorescp('STORESCP', out);
    h.destinations.add('STORESCP', storescp.port);
    try {
      const r = await run('movescu', [
        '-v',
        '-S',
        '-aet',
        'MOVESCU',
        '-aec',
        AE_TITLE,
        '-aem',
        'STORESCP',
        '-k',
        'QueryRetrieveLevel=STUDY',
        '-k',
        `StudyInstanceUID=${study}`,
        '127.0.0.1',
        String(h.port),
      ]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/Received Final Move Response \(Success\)/);
      expect(r.output.match(/Received Move Response \d+ \(Pending\)/g)?.length ?? 0).toBeGreaterThanOrEqual(
        uids.length,
      );
      expect(readdirSync(out).length).toBe(uids.length);
      // Every object arrives as stored, byte for byte (retrieve reuses one read buffer from object to object).
      const original = dataSetsIn(h.dir, (name) => name.startsWith('objects-'));
      const received = dataSetsIn(out);
      expect([...received.keys()].sort()).toEqual([...uids].sort());
      for (const [uid, bytes] of received) expect(bytes.equals(original.get(uid) as Buffer), uid).toBe(true);
    } finally {
      await storescp.stop();
    }
    const spans = await until('the C-MOVE spans', () => {
      const all = h.exporter.getFinishedSpans();
      return all.some((s) => s.name === 'dimse C-MOVE') ? all : undefined;
    });
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');
    const move = spans.find((s) => s.name === 'dimse C-MOVE')!;
    expect(move.attributes['dicom.move_destination']).toBe('STORESCP');
    expect(move.attributes['dicom.subops.completed']).toBe(uids.length);
    const rpc = spans.find((s) => s.name === 'dicomesh.v1.Retrieve/Move')!;
    expect(parentOf(rpc)).toBe(move);
    const stores = spans.filter((s) => s.name === 'dimse C-STORE' && parentOf(s) === rpc);
    expect(stores.length).toBe(uids.length);
    // Made after the fact (sub-operation-spans.ts), they still carry each sub-operation's own times: one
    // after the other, inside the call's span, each with its status.
    const ms = ([seconds, nanos]: readonly [number, number]) => seconds * 1e3 + nanos / 1e6;
    const times = stores
      .map((s) => ({ start: ms(s.startTime), end: ms(s.endTime) }))
      .sort((a, b) => a.start - b.start);
    times.forEach((t, i) => {
      expect(t.end).toBeGreaterThanOrEqual(t.start);
      if (i > 0) expect(t.start).toBeGreaterThanOrEqual((times[i - 1] as typeof t).end);
    });
    expect(times[0]!.start).toBeGreaterThanOrEqual(ms(rpc.startTime));
    expect(times.at(-1)!.end).toBeLessThanOrEqual(ms(rpc.endTime));
    expect(stores.every((s) => s.attributes['dicom.status'] === 0)).toBe(true);
    const event = await until('retrieve.completed', () => events.find((e) => e.payload.command === 'C-MOVE'));
    expect(event.payload).toMatchObject({
      status: 0,
      completed: uids.length,
      failed: 0,
      moveDestination: 'STORESCP',
    });
  }, 60_000);

  it('moves a study into Orthanc, which then finds every instance', async () => {
    const dir = join(h.dir, 'orthanc');
    await mkdir(dir);
    const orthanc = await startOrthanc(dir, 'ORTHANC', { DICOMESH: [AE_TITLE, '127.0.0.1', h.port] });
    h.destinations.add('ORTHANC', orthanc.port);
    try {
      const client = await scu(h);
      const op = await client.move('study', 'ORTHANC', studyKey(study));
      const pending: unknown[] = [];
      for await (const p of op) pending.push(p);
      const result = await op.result;
      await client.association.release();
      expect(result.status).toBe(0);
      expect(result.counts).toMatchObject({ completed: uids.length, failed: 0, warning: 0 });
      expect(pending.length).toBeGreaterThanOrEqual(uids.length);

      const orthancScu = await connectScu({
        host: '127.0.0.1',
        port: orthanc.port,
        callingAeTitle: 'DICOMESH',
        calledAeTitle: 'ORTHANC',
        contexts: queryRetrieveContexts(),
      });
      const find = await orthancScu.find('study', (ts) =>
        Buffer.from(
          encodeIdentifier(
            {
              QueryRetrieveLevel: 'IMAGE',
              StudyInstanceUID: study,
              SeriesInstanceUID: series,
              SOPInstanceUID: '',
            },
            ts,
          ),
        ),
      );
      let matches = 0;
      for await (const _ of find) matches++;
      expect((await find.result).status).toBe(0);
      await orthancScu.association.release();
      expect(matches).toBe(uids.length);
    } finally {
      await orthanc.stop();
    }
  }, 90_000);

  it('answers movescu --cancel with FE00 after the object in flight, with the counts', async () => {
    const destination = await startTestDestination(
      'SLOWDEST',
      () => new Promise((r) => setTimeout(r, SLOW_STORE_MS)),
    );
    h.destinations.add('SLOWDEST', destination.port);
    try {
      const r = await run('movescu', [
        '-d',
        '-S',
        '--cancel',
        '1',
        '-aet',
        'MOVESCU',
        '-aec',
        AE_TITLE,
        '-aem',
        'SLOWDEST',
        '-k',
        'QueryRetrieveLevel=STUDY',
        '-k',
        `StudyInstanceUID=${study}`,
        '127.0.0.1',
        String(h.port),
      ]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/Received Final Move Response/);
      const finalDump = r.output.slice(r.output.lastIndexOf('C-MOVE RSP'));
      expect(finalDump).toMatch(/DIMSE Status\s+: 0xfe00/);
      const remaining = Number(/Remaining Suboperations\s+: (\d+)/.exec(finalDump)?.[1]);
      const completed = Number(/Completed Suboperations\s+: (\d+)/.exec(finalDump)?.[1]);
      expect(remaining).toBeGreaterThan(0);
      expect(completed).toBe(destination.received.length);
      expect(completed + remaining).toBe(uids.length);
      expect(destination.received[0]).toMatchObject({
        moveOriginatorAe: 'MOVESCU',
        moveOriginatorMessageId: 1,
      });
    } finally {
      await destination.close();
    }
  }, 60_000);

  it('C-GET with our SCU: every object back on the association, then C-CANCEL in the middle is FE00', async () => {
    const client = await scu(h, true);
    const got: string[] = [];
    const op = await client.get('study', studyKey(study), async (rq) => {
      for await (const _ of rq.dataset) {
        // received
      }
      got.push(rq.affectedSopInstanceUid);
      return { status: 0 };
    });
    for await (const _ of op) {
      // progress
    }
    const result = await op.result;
    expect(result.status).toBe(0);
    expect(result.counts).toMatchObject({ completed: uids.length, failed: 0 });
    expect(new Set(got)).toEqual(new Set(uids));

    got.length = 0;
    let cancel: Promise<void> | undefined;
    const cancelled = await client.get('study', studyKey(study), async (rq) => {
      for await (const _ of rq.dataset) {
        // received
      }
      got.push(rq.affectedSopInstanceUid);
      if (got.length === 2) cancel = cancelled.cancel();
      await new Promise((r) => setTimeout(r, 50));
      return { status: 0 };
    });
    const final = await cancelled.result;
    await cancel;
    await client.association.release();
    expect(final.status).toBe(0xfe00);
    // The C-CANCEL came while the second object was in flight: the service had already streamed the third
    // to the gateway (sent ahead), which must drop it, not send it, and leave it among the remaining.
    expect(got.length).toBe(2);
    expect(final.counts.completed).toBe(2);
    expect(final.counts.remaining).toBe(uids.length - 2);
  }, 60_000);

  it('a destination that dies after two objects: B000 with the failed instances listed, within the timeout', async () => {
    const destination = await startTestDestination('DYINGDEST', (received, association) => {
      if (received === 2) association.abort();
    });
    h.destinations.add('DYINGDEST', destination.port);
    try {
      const client = await scu(h);
      const started = Date.now();
      const op = await client.move('study', 'DYINGDEST', studyKey(study));
      const result = await op.result;
      const elapsed = Date.now() - started;
      await client.association.release();
      expect(result.status).toBe(0xb000);
      expect(result.counts).toMatchObject({ completed: 1, failed: uids.length - 1, warning: 0 });
      expect(result.failedSopInstanceUids.length).toBe(uids.length - 1);
      for (const uid of result.failedSopInstanceUids) expect(uids).toContain(uid);
      expect(elapsed).toBeLessThan(SUB_OPERATION_TIMEOUT_MS);
    } finally {
      await destination.close();
    }
  }, 60_000);

  it('a destination that stops answering: A702 with every instance failed, after the sub-operation timeout', async () => {
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    const destination = await startTestDestination('STALLDEST', () => stalled);
    h.destinations.add('STALLDEST', destination.port);
    try {
      const client = await scu(h);
      const op = await client.move('study', 'STALLDEST', studyKey(study));
      const result = await op.result;
      await client.association.release();
      expect(result.status).toBe(0xa702);
      expect(result.counts).toMatchObject({ completed: 0, failed: uids.length });
      expect(new Set(result.failedSopInstanceUids)).toEqual(new Set(uids));
    } finally {
      release();
      await destination.close();
    }
  }, 60_000);

  it('a destination that is down: A702 with the failed list; an unknown one: A801', async () => {
    h.destinations.add('DOWNDEST', 1);
    const client = await scu(h);
    const down = await (await client.move('study', 'DOWNDEST', studyKey(study))).result;
    expect(down.status).toBe(0xa702);
    expect(down.failedSopInstanceUids.length).toBe(uids.length);
    const unknown = await (await client.move('study', 'NOSUCHAE', studyKey(study))).result;
    expect(unknown.status).toBe(0xa801);
    await client.association.release();
  }, 60_000);

  it('getscu receives the study, every object byte for byte as stored', async () => {
    const out = join(h.dir, 'getscu');
    await mkdir(out);
    const r = await run('getscu', [
      '-v',
      '-S',
      '-aet',
      'GETSCU',
      '-aec',
      AE_TITLE,
      '-od',
      out,
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      `StudyInstanceUID=${study}`,
      '127.0.0.1',
      String(h.port),
    ]);
    expect(r.code, r.output).toBe(0);
    expect(readdirSync(out).length).toBe(uids.length);
    // Read-ahead buffers are reused from object to object: none may go out holding the next one's bytes.
    const original = dataSetsIn(h.dir, (name) => name.startsWith('objects-'));
    const received = dataSetsIn(out);
    expect([...received.keys()].sort()).toEqual([...uids].sort());
    for (const [uid, bytes] of received) expect(bytes.equals(original.get(uid) as Buffer), uid).toBe(true);
  }, 60_000);
});
