import type { Logger } from '@dicomesh/telemetry';
import type { AeRegistry } from './ae-registry.js';
import { emptyAeRegistry, loadFileAeRegistry } from './file-ae-registry.js';
import type { AeRegistrySettings } from './k8s-registry-config.js';
import type { BackoffOptions } from './restart-backoff.js';

export interface OpenAeRegistryOptions {
  readonly logger?: Logger;
  /** Delays between restarts of a failing list or watch (Kubernetes). */
  readonly backoff?: BackoffOptions;
  /**
   * How long to wait for the first list of a Kubernetes registry before returning it anyway (it keeps
   * retrying in the background). Default 10 s; 0: do not wait.
   */
  readonly syncTimeoutMs?: number;
}

/**
 * The registry the settings describe: a file (or none), or the namespace's ApplicationEntity resources,
 * watched from now on. The Kubernetes client is loaded only for the kubernetes source (it takes a second and
 * ~100 MB). Close the registry on shutdown.
 */
export async function openAeRegistry(
  settings: AeRegistrySettings,
  options: OpenAeRegistryOptions = {},
): Promise<AeRegistry> {
  if (settings.source === 'file') {
    const fileOptions = {
      unlisted: settings.unlisted,
      ...(options.logger ? { logger: options.logger } : {}),
    };
    return settings.aeFile === undefined
      ? emptyAeRegistry(fileOptions)
      : loadFileAeRegistry(settings.aeFile, fileOptions);
  }
  const { openKubernetesAeRegistry } = await import('./open-kubernetes-registry.js');
  return openKubernetesAeRegistry(settings, options);
}
