/**
 * DICOM over TLS (PS3.15 Annex B, the Basic TLS Secure Transport Connection Profile and its successors): a
 * second listener, TLS 1.2 or later, whose decrypted sockets go to the same association acceptor as the
 * plain port's. With `requireClientCert` a peer must present a certificate signed by the CA; without it a
 * certificate is asked for only when a CA is given, and not required.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '@dicomesh/telemetry';

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
}

export interface TlsListener {
  readonly port: number;
  /** Stops accepting connections (open ones belong to the acceptor). */
  close(): Promise<void>;
}

/** The certificate, key or CA file could not be read. */
export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`cannot read TLS file ${path}`, options);
  }
}

async function readPem(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new TlsFileError(path, { cause: error });
  }
}

/** Listens for TLS connections and hands each established one to `handleSocket`. */
export async function startTlsListener(
  options: TlsListenerOptions,
  handleSocket: (socket: Socket) => void,
  logger: Logger,
): Promise<TlsListener> {
  const [cert, key, ca] = await Promise.all([
    readPem(options.certFile),
    readPem(options.keyFile),
    options.caFile === undefined ? undefined : readPem(options.caFile),
  ]);
  const handshaking = new Map<string, Socket>();
  const server: Server = createServer(
    {
      cert,
      key,
      ...(ca === undefined ? {} : { ca }),
      minVersion: MIN_TLS_VERSION,
      requestCert: options.requireClientCert || ca !== undefined,
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
  logger.info('tls listening', {
    host: options.host,
    port,
    requireClientCert: options.requireClientCert,
  });
  return {
    port,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const raw of handshaking.values()) raw.destroy();
      handshaking.clear();
      return closed;
    },
  };
}

/** The peer's address and port: the same for a raw socket and the TLS socket over it. */
function endpoint(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
