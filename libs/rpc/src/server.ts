import { type ChannelOptions, Server, ServerCredentials } from '@grpc/grpc-js';
import { widenServerReceiveWindows } from './flow-control-window.js';

export interface ServerOptions {
  /**
   * Close each connection after this age (with a GOAWAY), so clients using `dns:///` + round_robin
   * re-resolve and spread over backends added since. Default 5 minutes; 0 disables.
   */
  readonly maxConnectionAgeMs?: number;
  /** How long calls still running on an aged connection may finish. Default: unlimited (long C-MOVEs). */
  readonly maxConnectionAgeGraceMs?: number;
  /** Ping idle connections this often to detect dead peers (default 30 s). */
  readonly keepaliveTimeMs?: number;
  /** Drop the connection when a ping is not answered in this time (default 10 s). */
  readonly keepaliveTimeoutMs?: number;
  /** Largest message accepted (default 8 MiB; data set chunks are at most ~1 MiB). */
  readonly maxReceiveMessageLength?: number;
}

export const DEFAULT_MAX_CONNECTION_AGE_MS = 5 * 60_000;

/** Builds the server options of a dicomesh gRPC server. */
export function serverChannelOptions(options: ServerOptions = {}): ChannelOptions {
  const age = options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS;
  return {
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': options.maxReceiveMessageLength ?? 8 * 1024 * 1024,
    ...(age > 0 ? { 'grpc.max_connection_age_ms': age } : {}),
    ...(options.maxConnectionAgeGraceMs === undefined
      ? {}
      : { 'grpc.max_connection_age_grace_ms': options.maxConnectionAgeGraceMs }),
  };
}

/**
 * A grpc-js server with dicomesh's options (keepalive, connection age for rebalancing, message size), receiving
 * with a wide HTTP/2 window (flow-control-window.ts).
 */
export function createServer(options: ServerOptions = {}): Server {
  widenServerReceiveWindows();
  return new Server(serverChannelOptions(options));
}

/**
 * Binds `address` (`host:port`; port 0 for any free port) without TLS (inside the cluster; a mesh adds mTLS)
 * and resolves with the bound port once the server accepts calls.
 */
export function startServer(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(new Error(`gRPC server: cannot bind ${address}: ${error.message}`, { cause: error }));
      else resolve(port);
    });
  });
}

/**
 * Stops a server: no new calls; running calls get `graceMs` to finish, then are cancelled.
 * Resolves once every connection is closed.
 */
export function stopServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.forceShutdown(), graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
