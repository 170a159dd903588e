/**
 * How a service proves itself to NATS beyond the URL: a `.creds` file (creds-file.ts) or an NKey seed file
 * (nkey-seed-file.ts), and for a server that
 * verifies clients over TLS (`tls { verify: true }`), a client certificate and its key, with the CA the
 * server's certificate must chain to. nats.js reads the files again at every connect and reconnect, so a
 * renewed Secret (cert-manager's) takes effect on the next one; they are checked once when the options are
 * made, so a missing file, a PEM that does not parse or a key that is not the certificate's fails the
 * service's start instead of every reconnect.
 */

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { CONFIG_EXIT_CODE } from '@dicomesh/config';
import type { Logger } from '@dicomesh/telemetry';
import type { ConnectionOptions, TlsOptions } from '@nats-io/transport-node';
import { credsFileAuthenticator } from './creds-file.js';
import { NatsCredentialsError } from './events-errors.js';
import { nkeySeedFileAuthenticator } from './nkey-seed-file.js';

/** TLS to NATS: any of these set means the connection must be TLS. */
export interface NatsTlsFiles {
  /** PEM client certificate (chain); with keyFile. Unset: no client certificate. */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** PEM CA certificate(s) the server's certificate must chain to; unset: Node's trusted CAs (and NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string | undefined;
}

export interface NatsClientAuth {
  /** A `.creds` file (user JWT and NKey seed). */
  readonly credsFile?: string | undefined;
  /** A file holding a user's NKey seed (SU...), for a server that lists its users' public NKeys; not with credsFile. */
  readonly nkeyFile?: string | undefined;
  /** TLS files; undefined: TLS only when the URL asks for it (`tls://`) or the server requires it. */
  readonly tls?: NatsTlsFiles | undefined;
}

/** The authentication fields of options that extend NatsClientAuth, and nothing else of them. */
export function clientAuthOf(options: NatsClientAuth): NatsClientAuth {
  return { credsFile: options.credsFile, nkeyFile: options.nkeyFile, tls: options.tls };
}

/** The values of libs/config's natsCredentialsSpec (DICOMESH_NATS_CREDS_FILE, _NKEY_FILE, DICOMESH_NATS_TLS_*). */
export interface NatsCredentialSettings {
  readonly natsCredsFile?: string | undefined;
  readonly natsNkeyFile?: string | undefined;
  readonly natsTlsCertFile?: string | undefined;
  readonly natsTlsKeyFile?: string | undefined;
  readonly natsTlsCaFile?: string | undefined;
}

/** A service's NATS authentication from its configuration: TLS files when any of them is set. */
export function natsClientAuth(settings: NatsCredentialSettings): NatsClientAuth {
  const { natsTlsCertFile: certFile, natsTlsKeyFile: keyFile, natsTlsCaFile: caFile } = settings;
  const anyTls = certFile !== undefined || keyFile !== undefined || caFile !== undefined;
  return {
    credsFile: settings.natsCredsFile,
    nkeyFile: settings.natsNkeyFile,
    tls: anyTls ? { certFile, keyFile, caFile } : undefined,
  };
}

/**
 * natsClientAuth for a service's start, its files checked at once: one that cannot be used is a configuration
 * error, logged naming the variables and the problem, and the process exits with status 2 (as for an invalid
 * variable) before it opens anything, instead of failing with status 1 once its index is open.
 */
export function natsClientAuthOrExit(settings: NatsCredentialSettings, logger: Logger): NatsClientAuth {
  const auth = natsClientAuth(settings);
  try {
    natsAuthOptions(auth);
  } catch (error) {
    if (!(error instanceof NatsCredentialsError)) throw error;
    logger.error('NATS credential files unusable', {
      issues: [{ env: NATS_CREDENTIAL_VARIABLES, problem: `unusable: ${error.message}` }],
    });
    process.exit(CONFIG_EXIT_CODE);
  }
  return auth;
}

const NATS_CREDENTIAL_VARIABLES =
  'DICOMESH_NATS_CREDS_FILE, DICOMESH_NATS_NKEY_FILE, DICOMESH_NATS_TLS_CERT_FILE, DICOMESH_NATS_TLS_KEY_FILE, DICOMESH_NATS_TLS_CA_FILE';

/** nats.js's connection options for them; throws NatsCredentialsError at once when a file cannot be used. */
export function natsAuthOptions(auth: NatsClientAuth): Pick<ConnectionOptions, 'authenticator' | 'tls'> {
  try {
    return {
      ...(auth.credsFile === undefined ? {} : { authenticator: credsFileAuthenticator(auth.credsFile) }),
      ...(auth.nkeyFile === undefined ? {} : { authenticator: nkeySeedFileAuthenticator(auth.nkeyFile) }),
      ...(auth.tls === undefined ? {} : { tls: checkedTlsOptions(auth.tls) }),
    };
  } catch (error) {
    const files = [
      auth.credsFile,
      auth.nkeyFile,
      auth.tls?.certFile,
      auth.tls?.keyFile,
      auth.tls?.caFile,
    ].filter((file): file is string => file !== undefined);
    throw new NatsCredentialsError((error as Error).message, files, { cause: error });
  }
}

function checkedTlsOptions(files: NatsTlsFiles): TlsOptions {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  const ca = read(files.caFile);
  // createSecureContext skips what is not a certificate in a CA file; one with none would trust no server.
  if (ca !== undefined) new X509Certificate(ca);
  createSecureContext({ cert: read(files.certFile), key: read(files.keyFile), ca });
  return {
    ...(files.certFile === undefined ? {} : { certFile: files.certFile }),
    ...(files.keyFile === undefined ? {} : { keyFile: files.keyFile }),
    ...(files.caFile === undefined ? {} : { caFile: files.caFile }),
  };
}
