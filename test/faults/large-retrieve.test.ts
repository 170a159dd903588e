/**
 * Scale, retrieve side: the 5 GiB encapsulated object of large-object.test.ts (JPEG Baseline, 5120
 * fragments of 1 MiB) is stored once through the services topology, then moved (C-MOVE) to a destination
 * SCP of our own libraries that counts the bytes it receives and keeps none, then fetched with C-GET by our
 * SCU counting the bytes the same way. Both must deliver the exact data set size with Success, and the
 * peak resident memory of the gateway and of retrieve (VmHWM over the whole test), and this process's RSS
 * growth (the SCU and the destination live here), must each stay under 256 MiB.
 */
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdentifier, TransferSyntaxUid } from '@dicomesh/dicom';
import { createAcceptor } from '@dicomesh/dicom-ul';
import {
  type CStoreHandler,
  connectScu,
  createDimseScp,
  queryRetrieveContexts,
  storageContexts,
  storageScpRoles,
} from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectGateway,
  encapsulatedObject,
  GATEWAY_AE_TITLE,
  MiB,
  SECONDARY_CAPTURE_IMAGE_STORAGE,
  storeGenerated,
} from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const FRAGMENTS = 5120;
const FRAGMENT_BYTES = MiB;
const GiB = 1024 * MiB;
/** The design's bound: memory while moving a 5 GiB object, per process. */
const RSS_BOUND_BYTES = 256 * MiB;
/** The blob (5 GiB) and a margin for the rest of the suite; the destination and the SCU write nothing. */
const DISK_NEEDED_BYTES = 8 * GiB;
const RSS_SAMPLE_MS = 200;
const TEST_TIMEOUT_MS = 900_000;
const DESTINATION_AE = 'BYTECOUNT';
const RETRIEVE_SCU_AE = 'LARGESCU';
const LOOPBACK = '127.0.0.1';
/** The destination takes Secondary Capture as stored (JPEG Baseline), or uncompressed. */
const DESTINATION_SYNTAXES = [
  TransferSyntaxUid.JpegBaseline8Bit,
  TransferSyntaxUid.ExplicitVrLittleEndian,
  TransferSyntaxUid.ImplicitVrLittleEndian,
];

interface ByteCounter {
  objects: number;
  bytes: number;
  transferSyntaxUid?: string;
}

/** A C-STORE handler that counts the data set's bytes and keeps none of them. */
function countingStore(counter: ByteCounter): CStoreHandler {
  return async (rq) => {
    for await (const chunk of rq.dataset) counter.bytes += chunk.length;
    counter.objects++;
    counter.transferSyntaxUid = rq.transferSyntaxUid;
    return { status: 0 };
  };
}

let topology: Topology;
let dir: string;
const moved: ByteCounter = { objects: 0, bytes: 0 };
let destination: { close(): Promise<void> } | undefined;

beforeAll(async () => {
  const acceptor = createAcceptor({
    aeTitle: DESTINATION_AE,
    transferSyntaxesFor: (abstractSyntax) =>
      abstractSyntax === SECONDARY_CAPTURE_IMAGE_STORAGE ? DESTINATION_SYNTAXES : undefined,
    onAssociation: (association) => {
      createDimseScp(association, { handlers: { cStore: countingStore(moved) } });
    },
  });
  destination = acceptor;
  const { port } = await acceptor.listen(0, LOOPBACK);
  dir = await mkdtemp(join(tmpdir(), 'large-retrieve-'));
  const aeFile = join(dir, 'ae.yaml');
  await writeFile(aeFile, `- aeTitle: ${DESTINATION_AE}\n  host: ${LOOPBACK}\n  port: ${port}\n`);
  topology = await startTopology({ aeFile });
}, 120_000);

afterAll(async () => {
  await topology?.stop();
  await destination?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a 5 GiB encapsulated object retrieved through the gateway', () => {
  const object = encapsulatedObject(FRAGMENTS, FRAGMENT_BYTES);
  const studyKey = (ts: string) =>
    Buffer.from(
      encodeIdentifier({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: object.studyInstanceUid }, ts),
    );

  it(
    'is stored once, then moved and fetched with C-GET at its exact size, gateway and retrieve under 256 MiB',
    async () => {
      expect(object.size).toBeGreaterThan(5 * GiB);
      const disk = await statfs(topology.dataDir);
      expect(disk.bavail * disk.bsize, `free space under ${topology.dataDir}`).toBeGreaterThan(
        DISK_NEEDED_BYTES,
      );

      const startedAt = Date.now();
      const storer = await connectGateway(topology.dicomPort, [object.transferSyntaxUid]);
      const stored = await storeGenerated(storer, object);
      await storer.association.release();
      expect(stored, JSON.stringify(stored)).toMatchObject({ status: 0 });
      const storeMs = Date.now() - startedAt;

      const baselineRss = process.memoryUsage().rss;
      let peakRss = baselineRss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, RSS_SAMPLE_MS);
      try {
        const moveStarted = Date.now();
        const mover = await connectScu({
          host: LOOPBACK,
          port: topology.dicomPort,
          callingAeTitle: RETRIEVE_SCU_AE,
          calledAeTitle: GATEWAY_AE_TITLE,
          contexts: queryRetrieveContexts(),
        });
        const move = await mover.move('study', DESTINATION_AE, studyKey);
        for await (const _ of move) {
          // progress
        }
        const moveResult = await move.result;
        await mover.association.release();
        const moveMs = Date.now() - moveStarted;

        const getStarted = Date.now();
        const fetched: ByteCounter = { objects: 0, bytes: 0 };
        const getter = await connectScu({
          host: LOOPBACK,
          port: topology.dicomPort,
          callingAeTitle: RETRIEVE_SCU_AE,
          calledAeTitle: GATEWAY_AE_TITLE,
          contexts: [
            ...queryRetrieveContexts(),
            ...storageContexts([SECONDARY_CAPTURE_IMAGE_STORAGE], [object.transferSyntaxUid]),
          ],
          roles: storageScpRoles([SECONDARY_CAPTURE_IMAGE_STORAGE]),
        });
        const get = await getter.get('study', studyKey, countingStore(fetched));
        for await (const _ of get) {
          // progress
        }
        const getResult = await get.result;
        await getter.association.release();
        const getMs = Date.now() - getStarted;

        const { gateway, retrieve } = topology.services;
        const measured = {
          storeMs,
          moveMs,
          getMs,
          moveMiBPerSecond: Math.round(object.size / MiB / (moveMs / 1000)),
          getMiBPerSecond: Math.round(object.size / MiB / (getMs / 1000)),
          gatewayPeakMiB: Math.round(gateway.peakRssBytes() / MiB),
          retrievePeakMiB: Math.round(retrieve.peakRssBytes() / MiB),
          testRssGrowthMiB: Math.round((peakRss - baselineRss) / MiB),
        };
        process.stdout.write(`large-retrieve: ${JSON.stringify(measured)}\n`);

        expect(moveResult.status, JSON.stringify(moveResult)).toBe(0);
        expect(moveResult.counts).toMatchObject({ completed: 1, failed: 0 });
        expect(moved).toEqual({
          objects: 1,
          bytes: object.size,
          transferSyntaxUid: object.transferSyntaxUid,
        });
        expect(getResult.status, JSON.stringify(getResult)).toBe(0);
        expect(getResult.counts).toMatchObject({ completed: 1, failed: 0 });
        expect(fetched).toEqual({
          objects: 1,
          bytes: object.size,
          transferSyntaxUid: object.transferSyntaxUid,
        });

        expect(gateway.peakRssBytes()).toBeGreaterThan(0);
        expect(retrieve.peakRssBytes()).toBeGreaterThan(0);
        expect(gateway.peakRssBytes(), JSON.stringify(measured)).toBeLessThan(RSS_BOUND_BYTES);
        expect(retrieve.peakRssBytes(), JSON.stringify(measured)).toBeLessThan(RSS_BOUND_BYTES);
        expect(peakRss - baselineRss, JSON.stringify(measured)).toBeLessThan(RSS_BOUND_BYTES);
      } finally {
        clearInterval(sampler);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
