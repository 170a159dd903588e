/**
 * The receive window of our gRPC servers: a peer sees FLOW_CONTROL_WINDOW_BYTES (per stream and for the
 * connection) once it has opened a stream, not Node's 64 KiB. Seen from a plain HTTP/2 client, as the
 * gateway's grpc-js channel sees it.
 */
import { type ClientHttp2Session, connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_CONTROL_WINDOW_BYTES } from '../src/flow-control-window.js';
import { createServer, type Server, startServer, stopServer } from '../src/index.js';

const DEADLINE_MS = 5_000;
const POLL_MS = 10;
const HTTP2_DEFAULT_WINDOW = 65_535;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Opens one stream (an unknown method: the server answers it, the stream is what counts) and waits for its end. */
function callOnce(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/no.Such/Method',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', reject);
    stream.on('close', () => resolve());
    stream.resume();
    stream.end();
  });
}

describe('gRPC server receive window', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer();
    port = await startServer(server, '127.0.0.1:0');
  });

  afterAll(async () => {
    await stopServer(server, 1_000);
  });

  it('starts at the HTTP/2 default and is widened, stream and connection, by the first stream', async () => {
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
      expect(session.remoteSettings.initialWindowSize).toBe(HTTP2_DEFAULT_WINDOW);
      await callOnce(session);
      await until(
        () => session.remoteSettings.initialWindowSize === FLOW_CONTROL_WINDOW_BYTES,
        'the widened stream window',
      );
      await until(
        () => (session.state.remoteWindowSize ?? 0) >= FLOW_CONTROL_WINDOW_BYTES - HTTP2_DEFAULT_WINDOW,
        'the widened connection window',
      );
    } finally {
      session.close();
    }
  });
});
