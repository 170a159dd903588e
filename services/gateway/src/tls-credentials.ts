/**
 * The TLS listener's certificate, key and CA, read from their PEM files and watched: Kubernetes updates a
 * mounted Secret in place when cert-manager renews it, and the listener must serve the new certificate
 * without a restart.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string | undefined;
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
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

export async function readTlsCredentials(files: TlsFiles): Promise<TlsCredentials> {
  const [cert, key, ca] = await Promise.all([
    readPem(files.certFile),
    readPem(files.keyFile),
    files.caFile === undefined ? undefined : readPem(files.caFile),
  ]);
  return ca === undefined ? { cert, key } : { cert, key, ca };
}

/**
 * Calls `onChange` when any of the files changes (stat polling every `intervalMs`, which follows the symbolic
 * links a Secret volume swaps). Returns the function that stops watching.
 */
export function watchTlsFiles(files: TlsFiles, intervalMs: number, onChange: () => void): () => void {
  const paths = [files.certFile, files.keyFile, ...(files.caFile === undefined ? [] : [files.caFile])];
  const listener = (
    current: { mtimeMs: number; ino: number },
    previous: { mtimeMs: number; ino: number },
  ) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino) onChange();
  };
  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => {
    for (const path of paths) unwatchFile(path, listener);
  };
}
