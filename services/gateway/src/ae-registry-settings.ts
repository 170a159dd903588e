/** The AE registry's settings from the gateway's configuration (libs/config read the variables). */
import type { GatewayConfig } from '@dicomesh/config';
import { type AeRegistrySettings, aeRegistrySettings } from '@dicomesh/k8s-registry';

/** Throws AeRegistryConfigError naming the variable to set (e.g. kubernetes outside a pod without KUBECONFIG). */
export function gatewayAeRegistrySettings(config: GatewayConfig): AeRegistrySettings {
  return aeRegistrySettings({
    aeSource: config.aeSource,
    aeFile: config.aeFile,
    unlisted: config.aeUnlisted,
    namespace: config.aeNamespace,
    kubeconfig: config.kubeconfig,
    serviceHost: config.kubernetesServiceHost,
    servicePort: config.kubernetesServicePort,
  });
}
