import type { AeRegistry } from './ae-registry.js';
import { emptyAeRegistry, loadFileAeRegistry } from './file-ae-registry.js';
import type { AeRegistrySettings } from './k8s-registry-config.js';
import type { OpenAeRegistryOptions } from './open-options.js';

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
