/**
 * DICOMESH_NATS_TLS_*: a client certificate comes with its key; DICOMESH_NATS_NKEY_FILE or DICOMESH_NATS_CREDS_FILE,
 * not both; in every service that reaches NATS.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, readGatewayConfig, readRetrieveConfig, readStorageConfig } from '../src/index.js';

const readers = { gateway: readGatewayConfig, storage: readStorageConfig, retrieve: readRetrieveConfig };

describe.each(Object.entries(readers))('%s', (_name, read) => {
  it('reads the certificate, its key and the CA', () => {
    expect(
      read({
        DICOMESH_NATS_TLS_CERT_FILE: '/tls/tls.crt',
        DICOMESH_NATS_TLS_KEY_FILE: '/tls/tls.key',
        DICOMESH_NATS_TLS_CA_FILE: '/tls/ca.crt',
      }),
    ).toMatchObject({
      natsTlsCertFile: '/tls/tls.crt',
      natsTlsKeyFile: '/tls/tls.key',
      natsTlsCaFile: '/tls/ca.crt',
    });
  });

  it('refuses a certificate without its key, naming the key', () => {
    expect(() => read({ DICOMESH_NATS_TLS_CERT_FILE: '/tls/tls.crt' })).toThrow(
      new ConfigError([
        { env: 'DICOMESH_NATS_TLS_KEY_FILE', problem: 'is required with DICOMESH_NATS_TLS_CERT_FILE' },
      ]),
    );
  });

  it('reads an NKey seed file', () => {
    expect(read({ DICOMESH_NATS_NKEY_FILE: '/nats/user.nk' })).toMatchObject({
      natsNkeyFile: '/nats/user.nk',
    });
  });

  it('refuses an NKey seed file beside a .creds file', () => {
    expect(() =>
      read({ DICOMESH_NATS_NKEY_FILE: '/nats/user.nk', DICOMESH_NATS_CREDS_FILE: '/nats/user.creds' }),
    ).toThrow(
      new ConfigError([
        { env: 'DICOMESH_NATS_NKEY_FILE', problem: 'cannot be set with DICOMESH_NATS_CREDS_FILE' },
      ]),
    );
  });

  it('refuses a key without its certificate, naming the certificate', () => {
    expect(() => read({ DICOMESH_NATS_TLS_KEY_FILE: '/tls/tls.key' })).toThrow(
      /DICOMESH_NATS_TLS_CERT_FILE: is required with DICOMESH_NATS_TLS_KEY_FILE/,
    );
  });
});
