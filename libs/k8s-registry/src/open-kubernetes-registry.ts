import type { AeRegistrySettings } from './k8s-registry-config.js';
import { kubeConfigFor, namespaceFor } from './kube-config.js';
import { KubernetesAeRegistry } from './kubernetes-ae-registry.js';
import type { OpenAeRegistryOptions } from './open-options.js';

const DEFAULT_SYNC_TIMEOUT_MS = 10_000;

/**
 * Starts watching the ApplicationEntity resources the settings name, and waits for the first list (at most
 * `syncTimeoutMs`; it keeps retrying in the background, and `isSynced` tells).
 */
export async function openKubernetesAeRegistry(
  settings: AeRegistrySettings & { source: 'kubernetes' },
  options: OpenAeRegistryOptions = {},
): Promise<KubernetesAeRegistry> {
  const kubeConfig = kubeConfigFor(settings.access);
  const registry = new KubernetesAeRegistry({
    kubeConfig,
    namespace: namespaceFor(settings, kubeConfig),
    unlisted: settings.unlisted,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
  }).start();
  const timeoutMs = options.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
  if (timeoutMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([registry.whenSynced(), timeout]);
    clearTimeout(timer);
  }
  return registry;
}
