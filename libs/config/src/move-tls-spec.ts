/**
 * How retrieve reaches C-MOVE destinations registered with `tls: true` (DICOM TLS, PS3.15 B.1): the client
 * certificate it presents and the CA their certificates must chain to. The certificate and its key come
 * together (`moveTlsIssues`); without them, retrieve presents none, which a destination may refuse.
 */
import type { ConfigIssue } from './config-error.js';
import { str } from './env-readers.js';
import { keyPairIssues } from './key-pair-issues.js';

export const moveTlsSpec = {
  moveTlsCertFile: str({
    env: 'DICOMESH_MOVE_TLS_CERT_FILE',
    optional: true,
    description:
      'PEM client certificate (chain) presented to C-MOVE destinations over TLS; with DICOMESH_MOVE_TLS_KEY_FILE.',
  }),
  moveTlsKeyFile: str({
    env: 'DICOMESH_MOVE_TLS_KEY_FILE',
    optional: true,
    description: 'PEM private key of DICOMESH_MOVE_TLS_CERT_FILE.',
  }),
  moveTlsCaFile: str({
    env: 'DICOMESH_MOVE_TLS_CA_FILE',
    optional: true,
    description:
      "PEM CA certificate(s) a TLS destination's certificate must chain to; unset: Node's trusted CAs (and NODE_EXTRA_CA_CERTS).",
  }),
} as const;

interface MoveTlsValues {
  readonly moveTlsCertFile: string | undefined;
  readonly moveTlsKeyFile: string | undefined;
}

/** A certificate without its key, or a key without its certificate. */
export function moveTlsIssues(values: MoveTlsValues): ConfigIssue[] {
  return keyPairIssues({
    certEnv: 'DICOMESH_MOVE_TLS_CERT_FILE',
    keyEnv: 'DICOMESH_MOVE_TLS_KEY_FILE',
    certFile: values.moveTlsCertFile,
    keyFile: values.moveTlsKeyFile,
  });
}
