/**
 * DICOM over TLS (PS3.15 Annex B, the Basic TLS Secure Transport Connection Profile and its successors): a
 * second listener, TLS 1.2 or later, whose decrypted sockets go to the same association acceptor as the
 * plain port's. With `requireClientCert` a peer must present a certificate signed by the CA; without it a
 * certificate is asked for only when a CA is given, and not required.
 */
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '@dicomesh/telemetry';
import { readTlsCredentials, type TlsCredentials, watchTlsFiles } from './tls-credentials.js';

/** The oldest protocol we speak (PS3.15 B.9 and later profiles: TLS 1.2 at least). */
export const MIN_TLS_VERSION = 'TLSv1.2';

export interface TlsListenerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** PEM certificate (chain) and private key of the listener. */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CA certificate(s) that client certificates are checked against. */
  readonly caFile?: string | undefined;
  /** Refuse a peer without a certificate the CA signed (the handshake fails). */
  readonly requireClientCert: boolean;
  /** How often the files are checked for a renewed certificate (default 30 s; 0: never). */
  readonly reloadIntervalMs?: number;
}

/** Default period of the check for renewed certificate files. */
export const TLS_RELOAD_INTERVAL_MS = 30_000;

export interface TlsListener {
  readonly port: number;
  /** Stops accepting connections (open ones belong to the acceptor). */
  close(): Promise<void>;
}

/** Listens for TLS connections and hands each established one to `handleSocket`. */
export async function startTlsListener(
  options: TlsListenerOptions,
  handleSocket: (socket: Socket) => void,
  logger: Logger,
): Promise<TlsListener> {
  const credentials = await readTlsCredentials(options);
  const handshaking = new Map<string, Socket>();
  const server: Server = createServer(
    {
      ...secureContext(credentials),
      requestCert: options.requireClientCert || credentials.ca !== undefined,
      rejectUnauthorized: options.requireClientCert,
      noDelay: true,
    },
    (socket: TLSSocket) => {
      handshaking.delete(endpoint(socket));
      logger.debug('tls connection', {
        remoteAddress: socket.remoteAddress,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        clientAuthorized: socket.authorized,
      });
      handleSocket(socket);
    },
  );
  // Connections still in their handshake belong to no association yet: close() ends them (a load balancer's
  // TCP probe would otherwise hold the listener open for the whole handshake timeout).
  server.on('connection', (raw: Socket) => {
    const key = endpoint(raw);
    handshaking.set(key, raw);
    raw.once('close', () => handshaking.delete(key));
  });
  server.on('tlsClientError', (error, socket) =>
    logger.warn('tls handshake failed', { remoteAddress: socket.remoteAddress, error: error.message }),
  );
  server.on('error', (error) => logger.error('tls listener error', { error: error.message }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const reloadIntervalMs = options.reloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS;
  const stopWatching =
    reloadIntervalMs > 0
      ? watchTlsFiles(options, reloadIntervalMs, () => {
          readTlsCredentials(options)
            .then((renewed) => {
              server.setSecureContext(secureContext(renewed));
              logger.info('tls certificate reloaded', { certFile: options.certFile });
            })
            // A half-updated Secret (a new certificate, the old key) fails here; the next change retries.
            .catch((error: unknown) =>
              logger.warn('tls certificate not reloaded', {
                certFile: options.certFile,
                error: String(error),
              }),
            );
        })
      : () => {};
  logger.info('tls listening', {
    host: options.host,
    port,
    requireClientCert: options.requireClientCert,
  });
  return {
    port,
    close: () => {
      stopWatching();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const raw of handshaking.values()) raw.destroy();
      handshaking.clear();
      return closed;
    },
  };
}

/** The secure context of the credentials (TLS 1.2 at least, whatever the credentials). */
function secureContext(credentials: TlsCredentials) {
  return { ...credentials, minVersion: MIN_TLS_VERSION } as const;
}

/** The peer's address and port: the same for a raw socket and the TLS socket over it. */
function endpoint(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
