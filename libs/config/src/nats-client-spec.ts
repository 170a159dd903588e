/**
 * How a service authenticates to NATS beyond the URL, the same variables wherever DICOMESH_NATS_URL is read: a
 * `.creds` file (NATS's decentralized authentication) or an NKey seed file (a server that lists its users' public
 * NKeys, `authorization { users: [{ nkey: U... }] }`), and for servers that verify clients over TLS
 * (`tls { verify: true }`), a client certificate, its key, and the CA the server's certificate chains to. Every
 * file is read again at each (re)connect, so a renewed Secret takes effect without a restart.
 */
import type { ConfigIssue } from './config-error.js';
import { str } from './env-readers.js';
import { keyPairIssues } from './key-pair-issues.js';

export const natsCredentialsSpec = {
  natsCredsFile: str({
    env: 'DICOMESH_NATS_CREDS_FILE',
    optional: true,
    description:
      "A NATS .creds file (user JWT and NKey seed, NATS's decentralized authentication), read at every (re)connect.",
  }),
  natsNkeyFile: str({
    env: 'DICOMESH_NATS_NKEY_FILE',
    optional: true,
    description:
      "A file holding a NATS user's NKey seed (SU...), for a server that lists its users' public NKeys; read at every (re)connect. Not with DICOMESH_NATS_CREDS_FILE.",
  }),
  natsTlsCertFile: str({
    env: 'DICOMESH_NATS_TLS_CERT_FILE',
    optional: true,
    description:
      'PEM client certificate (chain) presented to NATS, which is then reached over TLS; with DICOMESH_NATS_TLS_KEY_FILE.',
  }),
  natsTlsKeyFile: str({
    env: 'DICOMESH_NATS_TLS_KEY_FILE',
    optional: true,
    description: 'PEM private key of DICOMESH_NATS_TLS_CERT_FILE.',
  }),
  natsTlsCaFile: str({
    env: 'DICOMESH_NATS_TLS_CA_FILE',
    optional: true,
    description:
      "PEM CA certificate(s) the NATS server's certificate must chain to (NATS is then reached over TLS); unset: Node's trusted CAs (and NODE_EXTRA_CA_CERTS).",
  }),
} as const;

/** The values natsCredentialsSpec reads. */
export interface NatsCredentials {
  readonly natsCredsFile: string | undefined;
  readonly natsNkeyFile: string | undefined;
  readonly natsTlsCertFile: string | undefined;
  readonly natsTlsKeyFile: string | undefined;
  readonly natsTlsCaFile: string | undefined;
}

/**
 * A client certificate without its key, or a key without its certificate; a `.creds` file and an NKey seed file
 * together (a connection proves one identity: the creds file holds a seed of its own).
 */
export function natsCredentialsIssues(values: NatsCredentials): ConfigIssue[] {
  const identities: ConfigIssue[] =
    values.natsCredsFile !== undefined && values.natsNkeyFile !== undefined
      ? [{ env: 'DICOMESH_NATS_NKEY_FILE', problem: 'cannot be set with DICOMESH_NATS_CREDS_FILE' }]
      : [];
  return [
    ...identities,
    ...keyPairIssues({
      certEnv: 'DICOMESH_NATS_TLS_CERT_FILE',
      keyEnv: 'DICOMESH_NATS_TLS_KEY_FILE',
      certFile: values.natsTlsCertFile,
      keyFile: values.natsTlsKeyFile,
    }),
  ];
}
