import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { AeRegistryConfigError } from './errors.js';
import type { AeRegistrySettings, KubernetesAccess } from './k8s-registry-config.js';

/** A client configuration for the access (reads the kubeconfig file; the token file is read per request). */
export function kubeConfigFor(access: KubernetesAccess): KubeConfig {
  const config = new KubeConfig();
  if (access.kind === 'kubeconfig') {
    try {
      config.loadFromFile(access.path);
    } catch (error) {
      throw new AeRegistryConfigError(
        'KUBECONFIG',
        `cannot load ${access.path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (config.getCurrentCluster() === null) {
      throw new AeRegistryConfigError('KUBECONFIG', `${access.path} has no current context with a cluster`);
    }
    return config;
  }
  const host = isIPv6(access.host) ? `[${access.host}]` : access.host;
  config.loadFromClusterAndUser(
    {
      name: 'in-cluster',
      server: `https://${host}:${access.port}`,
      caFile: join(access.serviceAccountDir, 'ca.crt'),
      skipTLSVerify: false,
    },
    {
      name: 'service-account',
      authProvider: { name: 'tokenFile', config: { tokenFile: join(access.serviceAccountDir, 'token') } },
    },
  );
  return config;
}

/**
 * The namespace to watch: the configured one, else the pod's (service account `namespace` file), else the
 * kubeconfig context's. Throws AeRegistryConfigError asking for DICOMESH_AE_NAMESPACE when none is known.
 */
export function namespaceFor(
  settings: AeRegistrySettings & { source: 'kubernetes' },
  config: KubeConfig,
): string {
  if (settings.namespace !== undefined) return settings.namespace;
  if (settings.access.kind === 'in-cluster') {
    try {
      const namespace = readFileSync(join(settings.access.serviceAccountDir, 'namespace'), 'utf8').trim();
      if (namespace !== '') return namespace;
    } catch {
      // Not mounted: fall through to the error below.
    }
  } else {
    const context = config.getContextObject(config.getCurrentContext());
    if (context?.namespace) return context.namespace;
  }
  throw new AeRegistryConfigError(
    'DICOMESH_AE_NAMESPACE',
    'is required: no namespace in the service account or the kubeconfig context',
  );
}
