/**
 * The TLS options of associations to C-MOVE destinations registered with `tls: true` (DICOM TLS, PS3.15 B.1;
 * TLS 1.2 or later and the host name's checks come from the requestor): the client certificate presented and
 * the CA the destination's certificate must chain to (DICOMESH_MOVE_TLS_*). The files are read again for each
 * association, so a renewed certificate (a Secret that cert-manager rotates) is used without a restart.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type ConnectionOptions, createSecureContext } from 'node:tls';
import { CONFIG_EXIT_CODE } from '@dicomesh/config';
import type { Logger } from '@dicomesh/telemetry';

export interface DestinationTlsFiles {
  /** PEM client certificate (chain); with keyFile. Unset: no client certificate. */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** PEM CA certificate(s); unset: Node's trusted CAs (and NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string | undefined;
}

/** The TLS options of the next association to a TLS destination. */
export type DestinationTls = () => Promise<ConnectionOptions>;

export function destinationTls(files: DestinationTlsFiles): DestinationTls {
  return async () => {
    const [cert, key, ca] = await Promise.all([
      readPem(files.certFile),
      readPem(files.keyFile),
      readPem(files.caFile),
    ]);
    return {
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(ca === undefined ? {} : { ca }),
    };
  };
}

/**
 * Reads the files once and builds a TLS context from them, so a missing file, a PEM that does not parse, a
 * CA file without a certificate or a key that is not the certificate's fails the service's start rather than its first C-MOVE.
 */
export async function checkDestinationTls(tls: DestinationTls): Promise<void> {
  const options = await tls();
  // createSecureContext skips what is not a certificate in a CA file: one without any would trust no destination.
  if (options.ca !== undefined) new X509Certificate(options.ca as Buffer);
  createSecureContext(options);
}

/** The destinations' TLS from the DICOMESH_MOVE_TLS_* files, checked at once: exit 2 naming the problem. */
export async function destinationTlsOrExit(
  files: DestinationTlsFiles,
  logger: Logger,
): Promise<DestinationTls> {
  const tls = destinationTls(files);
  try {
    await checkDestinationTls(tls);
  } catch (error) {
    const problem = `unusable: ${(error as Error).message}`;
    logger.error('DICOMESH_MOVE_TLS_* files unusable', {
      issues: [{ env: 'DICOMESH_MOVE_TLS_CERT_FILE, _KEY_FILE, _CA_FILE', problem }],
    });
    process.exit(CONFIG_EXIT_CODE);
  }
  return tls;
}

async function readPem(path: string | undefined): Promise<Buffer | undefined> {
  return path === undefined ? undefined : readFile(path);
}
