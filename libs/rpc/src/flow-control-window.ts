/**
 * The HTTP/2 flow-control window of what a process receives over gRPC, per stream and per connection. Node's
 * default is 64 KiB, so a data set crossed a hop one WINDOW_UPDATE round trip (through both event loops) per
 * 64 KiB:
 * - C-GET, retrieve -> gateway (the gateway's client window): 400 CT images took 1.65-1.89 s through the
 *   services topology, 1.35-1.39 s with this window;
 * - C-STORE, gateway -> storage (the storage server's window): a CT image's first chunk reached storage
 *   1.6 ms after the gateway wrote it, 0.5 ms with this window.
 * The window bounds what a peer may send ahead of the reader, so memory stays bounded (a 5 GiB object
 * streams through as before).
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Http2Session, ServerHttp2Stream } from 'node:http2';

export const FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;

/** Node's diagnostics channel for a stream an HTTP/2 server has just created. */
const SERVER_STREAM_CREATED = 'http2.server.stream.created';

const widened = new WeakSet<Http2Session>();
let subscribed = false;

/**
 * Gives every HTTP/2 server session of this process (the gRPC servers') FLOW_CONTROL_WINDOW_BYTES of receive
 * window, on its first stream: a SETTINGS frame with the new initial stream window (RFC 9113 6.9.2: it
 * applies to the streams already open too) and a connection WINDOW_UPDATE. grpc-js takes the window as an
 * option for its clients (`grpc-node.flow_control_window`) but not yet for its servers
 * (grpc/grpc-node#3058), and hides its HTTP/2 server, so this goes through Node's public diagnostics
 * channel. The first call of a connection starts with the default window. Idempotent.
 */
export function widenServerReceiveWindows(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe(SERVER_STREAM_CREATED, (message) => {
    const session = (message as { stream?: ServerHttp2Stream }).stream?.session;
    if (session === undefined || session.destroyed || widened.has(session)) return;
    widened.add(session);
    session.settings({ initialWindowSize: FLOW_CONTROL_WINDOW_BYTES });
    session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
  });
}
