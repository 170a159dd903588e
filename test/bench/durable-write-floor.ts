/**
 * The durable-write floor of the store benchmark (run.ts): what a C-STORE costs on this machine's filesystem
 * alone when Success may be answered only once the object is durable, one object at a time (what one
 * association imposes: the SCU waits for each response). Each object is written as dicomesh's blob store
 * writes it: a new temporary file, fdatasync, a link under its name, an fsync of that directory, the
 * temporary name removed (DESIGN.md's C-STORE path). No network, no parsing, no index: an archive that keeps a
 * file per object this way and syncs it before it answers stores at one association at most this fast,
 * whatever its code. storescp neither syncs nor indexes, so where its rate lies above this floor, a ratio of
 * 1.0x to it cannot be reached on that path.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface FloorMeasurement {
  /** The durable writes of every object, summed (reading the files is not counted). */
  readonly seconds: number;
  /** CPU the writes took in this process (user + system), summed the same way. */
  readonly cpuSeconds: number;
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

/** Writes each file's bytes durably, one after another, in a fresh directory under `parent` (then removed). */
export async function measureDurableWriteFloor(
  files: readonly string[],
  parent: string,
): Promise<FloorMeasurement> {
  const dir = await mkdtemp(join(parent, 'dicomesh-bench-floor-'));
  try {
    const temporary = join(dir, '.tmp');
    const blobs = join(dir, 'blobs');
    mkdirSync(temporary);
    mkdirSync(blobs);
    const directory = openSync(blobs, 'r');
    let nanoseconds = 0n;
    let cpuMicroseconds = 0;
    try {
      for (const [i, file] of files.entries()) {
        // What the network would have delivered; not part of the floor.
        const bytes = readFileSync(file);
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        const path = join(temporary, String(i));
        const fd = openSync(path, 'wx');
        try {
          writeAll(fd, bytes);
          fdatasyncSync(fd);
        } finally {
          closeSync(fd);
        }
        linkSync(path, join(blobs, String(i)));
        fsyncSync(directory);
        unlinkSync(path);
        nanoseconds += process.hrtime.bigint() - started;
        const used = process.cpuUsage(cpu);
        cpuMicroseconds += used.user + used.system;
      }
    } finally {
      closeSync(directory);
    }
    return { seconds: Number(nanoseconds) / 1e9, cpuSeconds: cpuMicroseconds / 1e6 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
