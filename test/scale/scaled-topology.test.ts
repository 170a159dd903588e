/**
 * The scale simulation (issue 6): two gateways behind haproxy (TCP, round-robin), two replicas of each
 * backend balanced round_robin by the gateways' gRPC channels, one nats-server, one PostgreSQL.
 * 1. The acceptance suite (the checks `make acceptance` runs) passes through haproxy's port.
 * 2. Calls spread over both replicas of every service (each replica's own log lines).
 * 3. One replica of each service is killed with SIGKILL in the middle of a stream of C-STOREs; afterwards
 *    every object answered Success is found by C-FIND and retrieved by C-GET with the very bytes sent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateUid } from '@dicomesh/dicom';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { pollUntil } from '../support/poll.ts';
import {
  BACKENDS,
  type ReplicaProcess,
  type ScaledTopology,
  startScaledTopology,
} from '../support/scaled-topology.ts';
import { smallObject, storeGenerated } from '../support/scu.ts';
import { acceptanceOnlyRegex, runAcceptance } from './acceptance-run.ts';
import { connectChecker, findInstances, getSeries } from './archive-check.ts';
import { isSuccess, type StoreOutcome, startStoreStream } from './store-stream.ts';

const DEST_AE_TITLE = 'ACCEPTDEST';
const ACCEPTANCE_TIMEOUT_MS = 150_000;
const FAULT_TIMEOUT_MS = 90_000;
/** Concurrent senders, and the objects each stores on one association before opening the next. */
const SENDERS = 4;
const OBJECTS_PER_ASSOCIATION = 8;
/** Stores answered before the kills, and stores answered Success after them, before the stream stops. */
const ANSWERED_BEFORE_KILL = 60;
const SUCCESSES_AFTER_KILL = 60;
const STREAM_DEADLINE_MS = 45_000;
/** How long an object answered Success may take to be findable (it is indexed before the answer). */
const FINDABLE_DEADLINE_MS = 10_000;
const LOG_TAIL_LINES = 15;
/** How long restarted replicas may take to be served traffic again. */
const REJOIN_DEADLINE_MS = 20_000;

/** The log line each service writes per call it served. */
const SERVED: Readonly<Record<string, RegExp>> = {
  gateway: /"msg":"association opened"/,
  verification: /"msg":"C-ECHO answered"/,
  storage: /"msg":"C-STORE stored"/,
  query: /"msg":"C-FIND answered"/,
  retrieve: /"msg":"C-(GET|MOVE) answered"/,
};

let topology: ScaledTopology;
/** The replicas the fault test killed. */
let victims: ReplicaProcess[] = [];
let work: string;
let destPort: number;

function everyReplica(): ReplicaProcess[] {
  return [...topology.gateways, ...BACKENDS.flatMap((b) => topology.backends[b])];
}

function servedCount(replica: ReplicaProcess): number {
  return replica.logLines().filter((line) => SERVED[replica.service]?.test(line)).length;
}

/** One association through haproxy with a call of each kind: C-ECHO, C-STORE, C-FIND, C-GET. */
async function callEveryService(): Promise<void> {
  const client = await connectChecker(topology.dicomPort);
  try {
    const series = { studyInstanceUid: generateUid(), seriesInstanceUid: generateUid() };
    expect(await client.echo()).toBe(0);
    expect((await storeGenerated(client, smallObject(series))).status).toBe(0);
    expect((await findInstances(client, series)).size).toBe(1);
    expect((await getSeries(client, series)).sha256ByUid.size).toBe(1);
  } finally {
    await client.association.release().catch(() => undefined);
  }
}

function printLogTails(): void {
  for (const replica of [...everyReplica()]) {
    const tail = replica.logLines().slice(-LOG_TAIL_LINES).join('\n');
    process.stdout.write(`--- ${replica.name} (${replica.logFile})\n${tail}\n`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dicomesh-scale-test-'));
  destPort = await freePort();
  const aeFile = join(work, 'ae.yaml');
  await writeFile(aeFile, `- aeTitle: ${DEST_AE_TITLE}\n  host: 127.0.0.1\n  port: ${destPort}\n`);
  topology = await startScaledTopology({ aeFile });
});

afterAll(async () => {
  await topology?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('two of everything behind haproxy', () => {
  it(
    'passes the acceptance suite through the haproxy port',
    async () => {
      onTestFailed(printLogTails);
      const run = await runAcceptance({
        port: topology.dicomPort,
        destAeTitle: DEST_AE_TITLE,
        destPort,
        workDir: join(work, 'acceptance'),
        only: acceptanceOnlyRegex(),
      });
      expect(run.exitCode, run.output).toBe(0);
      const summary = /^(\d+) passed, (\d+) failed$/m.exec(run.output);
      process.stdout.write(`acceptance through haproxy: ${summary?.[0]}\n`);
      expect(Number(summary?.[1])).toBeGreaterThan(0);
      expect(summary?.[2]).toBe('0');
    },
    ACCEPTANCE_TIMEOUT_MS,
  );

  it('runs each storage replica under its own host name, so their temporary blob files have distinct owners', () => {
    // The fs blob store's owner tag defaults to the host name; a restarted replica removes every temporary
    // file of its own owner, which must never be the files another replica is writing into the shared dir.
    expect(topology.ownHostNames).toBe(true);
    const names = topology.backends.storage.map((replica) => {
      const run = spawnSync('nsenter', ['--target', String(replica.pid()), '--uts', 'hostname'], {
        encoding: 'utf8',
      });
      return run.stdout.trim();
    });
    expect(names).toEqual(topology.backends.storage.map((replica) => replica.name));
  });

  it('spreads the calls over both replicas of every service', async () => {
    onTestFailed(printLogTails);
    // The acceptance suite made dozens of associations and calls of each kind; each replica served some.
    const served = await pollUntil(
      'a served call in the log of every replica',
      () => {
        const counts = Object.fromEntries(everyReplica().map((r) => [r.name, servedCount(r)]));
        return Object.values(counts).every((n) => n > 0) ? counts : undefined;
      },
      5_000,
    ).catch((error: unknown) => {
      const counts = Object.fromEntries(everyReplica().map((r) => [r.name, servedCount(r)]));
      throw new Error(`${String(error)}: ${JSON.stringify(counts)}`);
    });
    process.stdout.write(`calls served per replica: ${JSON.stringify(served)}\n`);
    for (const count of Object.values(served)) expect(count).toBeGreaterThan(0);
  });

  it(
    'keeps every object answered Success when one replica of each service is killed with -9 mid-stream',
    async () => {
      onTestFailed(printLogTails);
      const stream = startStoreStream({
        port: topology.dicomPort,
        workers: SENDERS,
        perAssociation: OBJECTS_PER_ASSOCIATION,
      });
      let outcomes: readonly StoreOutcome[];
      let killedAt: number;
      try {
        await pollUntil(
          `${ANSWERED_BEFORE_KILL} stores answered`,
          () => (stream.outcomes.length >= ANSWERED_BEFORE_KILL ? true : undefined),
          STREAM_DEADLINE_MS,
        );
        victims = [topology.gateways, ...BACKENDS.map((b) => topology.backends[b])].map((replicas) => {
          const first = replicas[0];
          if (first === undefined) throw new Error('a service without replicas');
          return first;
        });
        await Promise.all(victims.map((v) => v.kill9()));
        killedAt = Date.now();
        await pollUntil(
          `${SUCCESSES_AFTER_KILL} stores answered Success after the kills`,
          () =>
            stream.outcomes.filter((o) => o.at > killedAt && isSuccess(o)).length >= SUCCESSES_AFTER_KILL
              ? true
              : undefined,
          STREAM_DEADLINE_MS,
        );
      } finally {
        await stream.stop();
        outcomes = [...stream.outcomes];
      }

      const successes = outcomes.filter(isSuccess);
      const failures = outcomes.filter((o) => !isSuccess(o));
      process.stdout.write(
        `stores: ${outcomes.length} answered, ${successes.length} Success, ${failures.length} failed` +
          ` (${outcomes.filter((o) => o.at <= killedAt).length} before the kills);` +
          ` ${stream.connectFailures.length} associations refused ${JSON.stringify(stream.connectFailures.slice(0, 2))}; failures: ${JSON.stringify(
            failures.slice(0, 5).map((o) => o.error ?? `0x${o.status?.toString(16)}`),
          )}\n`,
      );
      expect(outcomes.filter((o) => o.at <= killedAt && isSuccess(o)).length).toBeGreaterThan(0);

      const sent = new Map(outcomes.map((o) => [o.object.sopInstanceUid, o]));
      const checker = await connectChecker(topology.dicomPort);
      try {
        for (const [worker, series] of stream.series.entries()) {
          const expected = successes.filter((o) => o.worker === worker).map((o) => o.object.sopInstanceUid);
          // C-FIND: every Success is findable (polled: the index is written before the answer, so at once).
          let missing: string[] = expected;
          await pollUntil(
            `every stored object of sender ${worker} found by C-FIND`,
            async () => {
              const found = await findInstances(checker, series);
              missing = expected.filter((uid) => !found.has(uid));
              return missing.length === 0 ? true : undefined;
            },
            FINDABLE_DEADLINE_MS,
          ).catch(() => undefined);
          expect(missing, `sender ${worker}: answered Success, not found by C-FIND`).toEqual([]);

          // C-GET: every Success comes back byte-identical; whatever else comes back is an object sent
          // whose answer was lost (a failure may be stored), and it is byte-identical too.
          const got = await getSeries(checker, series);
          expect(got.response.status, JSON.stringify(got.response)).toBe(0);
          for (const uid of expected) expect(got.sha256ByUid.get(uid), uid).toBe(sent.get(uid)?.sha256);
          for (const [uid, sha256] of got.sha256ByUid) expect(sha256, uid).toBe(sent.get(uid)?.sha256);
        }
      } finally {
        await checker.association.release().catch(() => undefined);
      }
    },
    FAULT_TIMEOUT_MS,
  );

  it('serves with the killed replicas again once they are restarted, as their Deployments would', async () => {
    onTestFailed(printLogTails);
    expect(victims.length).toBe(BACKENDS.length + 1);
    await Promise.all(victims.map((v) => v.start()));
    const before = new Map(victims.map((v) => [v.name, servedCount(v)]));
    // haproxy takes a gateway back after two good checks, a gRPC channel redials within its backoff:
    // associations of a call of each kind go on until every restarted replica has served one.
    await pollUntil(
      'a call served by every restarted replica',
      async () => {
        await callEveryService();
        return victims.every((v) => servedCount(v) > (before.get(v.name) ?? 0)) ? true : undefined;
      },
      REJOIN_DEADLINE_MS,
      0,
    ).catch((error: unknown) => {
      const counts = victims.map((v) => `${v.name}: ${before.get(v.name)} -> ${servedCount(v)}`);
      throw new Error(`${String(error)} (${counts.join(', ')})`);
    });
  });
});
