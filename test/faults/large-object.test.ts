/**
 * Scale: a 5 GiB object (JPEG Baseline, encapsulated Pixel Data of undefined length: an empty basic offset
 * table, then 5120 fragments of 1 MiB; no element over 4 GiB) generated on the fly by our SCU, sent through
 * the gateway to storage. It must be stored with Success at its exact size, and the peak resident memory
 * of the gateway, of storage and of this process's SCU must each stay under 256 MiB.
 */
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOBS_DIRECTORY, committedBlobFiles, instanceRow } from '../support/archive-state.ts';
import { connectGateway, encapsulatedObject, MiB, storeGenerated } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const FRAGMENTS = 5120;
const FRAGMENT_BYTES = MiB;
const GiB = 1024 * MiB;
/** The design's bound: memory while storing a 5 GiB object, per service. */
const RSS_BOUND_BYTES = 256 * MiB;
/** The blob, its temporary file never coexisting with it, and a margin for the rest of the suite. */
const DISK_NEEDED_BYTES = 8 * GiB;
const RSS_SAMPLE_MS = 200;
const TRANSFER_TIMEOUT_MS = 300_000;
/** Item tag (FFFE,E000) and Sequence Delimitation Item (FFFE,E0DD), little endian, with their lengths. */
const FRAGMENT_ITEM = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0x00, 0x00, 0x10, 0x00]);
const SEQUENCE_DELIMITER = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0x00, 0x00, 0x00, 0x00]);

let topology: Topology;

beforeAll(async () => {
  topology = await startTopology();
});

afterAll(async () => {
  await topology?.stop();
});

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

describe('a 5 GiB encapsulated object through the gateway', () => {
  const object = encapsulatedObject(FRAGMENTS, FRAGMENT_BYTES);

  it(
    'is stored with Success at its exact size, with gateway, storage and SCU each under 256 MiB',
    async () => {
      expect(object.size).toBeGreaterThan(5 * GiB);
      const disk = await statfs(topology.dataDir);
      expect(disk.bavail * disk.bsize, `free space under ${topology.dataDir}`).toBeGreaterThan(
        DISK_NEEDED_BYTES,
      );

      const client = await connectGateway(topology.dicomPort, [object.transferSyntaxUid]);
      const baselineRss = process.memoryUsage().rss;
      let peakScuRss = baselineRss;
      const sampler = setInterval(() => {
        peakScuRss = Math.max(peakScuRss, process.memoryUsage().rss);
      }, RSS_SAMPLE_MS);
      const { gateway, storage } = topology.services;
      const cpuBefore = {
        gateway: gateway.cpuSeconds(),
        storage: storage.cpuSeconds(),
        scu: process.cpuUsage(),
      };
      const startedAt = Date.now();
      let response: Awaited<ReturnType<typeof storeGenerated>>;
      try {
        response = await storeGenerated(client, object);
      } finally {
        clearInterval(sampler);
      }
      const elapsedMs = Date.now() - startedAt;
      const scuCpu = process.cpuUsage(cpuBefore.scu);
      await client.association.release();
      const gatewayPeak = gateway.peakRssBytes();
      const storagePeak = storage.peakRssBytes();
      const scuGrowth = peakScuRss - baselineRss;
      const measured = {
        elapsedMs,
        mibPerSecond: Math.round(object.size / MiB / (elapsedMs / 1000)),
        gatewayPeakMiB: Math.round(gatewayPeak / MiB),
        storagePeakMiB: Math.round(storagePeak / MiB),
        scuRssGrowthMiB: Math.round(scuGrowth / MiB),
        gatewayCpuSeconds: Math.round(gateway.cpuSeconds() - cpuBefore.gateway),
        storageCpuSeconds: Math.round(storage.cpuSeconds() - cpuBefore.storage),
        scuCpuSeconds: Math.round((scuCpu.user + scuCpu.system) / 1e6),
      };
      process.stdout.write(`large-object: ${JSON.stringify(measured)}\n`);

      expect(response, JSON.stringify(response)).toMatchObject({ status: 0 });
      expect(gatewayPeak).toBeGreaterThan(0);
      expect(storagePeak).toBeGreaterThan(0);
      expect(gatewayPeak, JSON.stringify(measured)).toBeLessThan(RSS_BOUND_BYTES);
      expect(storagePeak, JSON.stringify(measured)).toBeLessThan(RSS_BOUND_BYTES);
      expect(scuGrowth, JSON.stringify(measured)).toBeLessThan(RSS_BOUND_BYTES);

      const row = await instanceRow(topology.postgres.url, object.sopInstanceUid);
      expect(row).toBeDefined();
      const blobPath = join(topology.dataDir, BLOBS_DIRECTORY, String(row?.blobKey));
      try {
        const committed = await committedBlobFiles(topology.dataDir);
        expect(committed).toEqual([{ path: row?.blobKey, size: row?.size }]);
        const offset = Number(row?.dataSetOffset);
        expect(Number(row?.size) - offset).toBe(object.size);
        // Spot checks past 4 GiB: the last fragment's item header and the sequence delimiter end the file.
        const lastFragment = offset + object.size - SEQUENCE_DELIMITER.length - FRAGMENT_BYTES - 8;
        expect(lastFragment).toBeGreaterThan(4 * GiB);
        expect(await readAt(blobPath, lastFragment, 8)).toEqual(FRAGMENT_ITEM);
        const fragmentStart = await readAt(blobPath, lastFragment + 8, 2);
        expect(fragmentStart).toEqual(Buffer.from([0xff, 0xd8]));
        expect(await readAt(blobPath, offset + object.size - 8, 16)).toEqual(SEQUENCE_DELIMITER);
      } finally {
        await rm(blobPath, { force: true });
      }
    },
    TRANSFER_TIMEOUT_MS,
  );
});
