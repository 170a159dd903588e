import { describe, expect, it } from 'vitest';
import { AeRegistryConfigError, type AeRegistryEnv, aeRegistrySettings } from '../src/index.js';

const unset: AeRegistryEnv = {
  aeSource: 'kubernetes',
  aeFile: undefined,
  namespace: undefined,
  kubeconfig: undefined,
  serviceHost: undefined,
  servicePort: undefined,
};

function configError(env: AeRegistryEnv): AeRegistryConfigError {
  try {
    aeRegistrySettings(env, '/sa');
  } catch (error) {
    if (error instanceof AeRegistryConfigError) return error;
    throw error;
  }
  throw new Error('expected an AeRegistryConfigError');
}

describe('AE registry settings from the environment values', () => {
  it('file source: the file, unlisted calling AEs allowed unless told otherwise', () => {
    expect(aeRegistrySettings({ ...unset, aeSource: 'file', aeFile: '/etc/aes.yaml' })).toEqual({
      source: 'file',
      aeFile: '/etc/aes.yaml',
      unlisted: 'allow-calling',
    });
    expect(aeRegistrySettings({ ...unset, aeSource: 'file', unlisted: 'deny' })).toMatchObject({
      unlisted: 'deny',
    });
  });

  it('kubernetes source in a pod: the service host and port, the service account directory, deny by default', () => {
    expect(
      aeRegistrySettings(
        { ...unset, serviceHost: '10.96.0.1', servicePort: 443, namespace: ' pacs ' },
        '/sa',
      ),
    ).toEqual({
      source: 'kubernetes',
      access: { kind: 'in-cluster', host: '10.96.0.1', port: 443, serviceAccountDir: '/sa' },
      namespace: 'pacs',
      unlisted: 'deny',
    });
  });

  it('KUBECONFIG wins over the in-cluster configuration', () => {
    expect(
      aeRegistrySettings({
        ...unset,
        kubeconfig: '/home/me/.kube/config',
        serviceHost: '10.96.0.1',
        servicePort: 443,
      }),
    ).toMatchObject({ access: { kind: 'kubeconfig', path: '/home/me/.kube/config' }, namespace: undefined });
  });

  it('names the variable to set when the API server cannot be found', () => {
    expect(configError(unset)).toMatchObject({ env: 'DICOMESH_AE_SOURCE' });
    expect(configError(unset).message).toMatch(/KUBERNETES_SERVICE_HOST.*KUBECONFIG/);
    expect(configError({ ...unset, serviceHost: '10.96.0.1' })).toMatchObject({
      env: 'KUBERNETES_SERVICE_PORT',
    });
  });
});
