/**
 * The gateway's DICOM TLS listener (PS3.15 Annex B): a second port, off unless DICOMESH_TLS_PORT is set. The
 * files are checked together by `tlsIssues` (a port without a certificate is a configuration error).
 */
import type { ConfigIssue } from './config-error.js';
import { bool, port, str } from './env-readers.js';

export const tlsSpec = {
  tlsPort: port({
    env: 'DICOMESH_TLS_PORT',
    optional: true,
    allowZero: true,
    description:
      'DICOM TLS listening port (2762 is the well-known one); unset: no TLS listener (0: any free port).',
  }),
  tlsCertFile: str({
    env: 'DICOMESH_TLS_CERT_FILE',
    optional: true,
    description: 'PEM certificate (chain) of the TLS listener; required with DICOMESH_TLS_PORT.',
  }),
  tlsKeyFile: str({
    env: 'DICOMESH_TLS_KEY_FILE',
    optional: true,
    description: 'PEM private key of the TLS listener; required with DICOMESH_TLS_PORT.',
  }),
  tlsCaFile: str({
    env: 'DICOMESH_TLS_CA_FILE',
    optional: true,
    description: 'PEM CA certificate(s) that client certificates are verified against.',
  }),
  tlsRequireClientCert: bool({
    env: 'DICOMESH_TLS_REQUIRE_CLIENT_CERT',
    default: false,
    description: 'Refuse TLS clients without a certificate signed by DICOMESH_TLS_CA_FILE.',
  }),
} as const;

interface TlsValues {
  readonly tlsPort: number | undefined;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly tlsCaFile: string | undefined;
  readonly tlsRequireClientCert: boolean;
}

/** The combinations readConfig cannot check field by field. */
export function tlsIssues(values: TlsValues): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (values.tlsPort === undefined) return issues;
  if (values.tlsCertFile === undefined) {
    issues.push({ env: 'DICOMESH_TLS_CERT_FILE', problem: 'is required with DICOMESH_TLS_PORT' });
  }
  if (values.tlsKeyFile === undefined) {
    issues.push({ env: 'DICOMESH_TLS_KEY_FILE', problem: 'is required with DICOMESH_TLS_PORT' });
  }
  if (values.tlsRequireClientCert && values.tlsCaFile === undefined) {
    issues.push({
      env: 'DICOMESH_TLS_CA_FILE',
      problem: 'is required with DICOMESH_TLS_REQUIRE_CLIENT_CERT',
    });
  }
  return issues;
}
