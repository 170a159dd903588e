/**
 * A TCP port on 127.0.0.1 that nothing listens on, for a server a test is about to start. It is chosen below
 * the kernel's range of ephemeral ports (net.ipv4.ip_local_port_range), so that no outgoing connection of any
 * process can take it as its local port before the server binds it. A port from listen(0) comes from that
 * range: the scale test's gateway once found its DICOM port taken that way (EADDRINUSE), and haproxy sent
 * DICOM clients to whatever held it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
/** Linux's default first ephemeral port, when the range cannot be read. */
const DEFAULT_EPHEMERAL_LOW = 32_768;
/** Ports below this are left to the machine's own services. */
const LOWEST_PORT = 10_000;
const ATTEMPTS = 100;

function ephemeralLow(): number {
  try {
    const low = Number.parseInt(readFileSync(EPHEMERAL_RANGE_FILE, 'utf8').trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(low) ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Resolves with the port `listen` got (0: any), or undefined when it is taken. */
function tryListen(port: number): Promise<number | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address !== null ? address.port : undefined));
    });
  });
}

export async function freePort(): Promise<number> {
  const span = ephemeralLow() - LOWEST_PORT;
  for (let attempt = 0; span > 0 && attempt < ATTEMPTS; attempt++) {
    const port = await tryListen(LOWEST_PORT + Math.floor(Math.random() * span));
    if (port !== undefined) return port;
  }
  // No room below the ephemeral range on this machine: any port the kernel gives.
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
