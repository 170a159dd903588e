/**
 * The registry's settings from a service's configuration: the aeRegistrySpec variables, which libs/config
 * reads the same way for the gateway (calling-AE permissions), retrieve (move destinations) and all-in-one.
 */
import { type aeRegistrySpec, CONFIG_EXIT_CODE, type ConfigOf } from '@dicomesh/config';
import type { Logger } from '@dicomesh/telemetry';
import { AeRegistryConfigError } from './errors.js';
import { type AeRegistrySettings, aeRegistrySettings } from './k8s-registry-config.js';

/** The AE registry variables as libs/config read them. */
export type AeRegistryConfig = ConfigOf<typeof aeRegistrySpec>;

/** Throws AeRegistryConfigError naming the variable to set (e.g. kubernetes outside a pod without KUBECONFIG). */
export function registrySettingsFromConfig(config: AeRegistryConfig): AeRegistrySettings {
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

/** The registry settings, or exit 2 naming the variable (as for any other configuration error). */
export function registrySettingsOrExit(config: AeRegistryConfig, logger: Logger): AeRegistrySettings {
  try {
    return registrySettingsFromConfig(config);
  } catch (error) {
    if (!(error instanceof AeRegistryConfigError)) throw error;
    logger.error(error.message, { issues: [{ env: error.env, problem: error.message }] });
    process.exit(CONFIG_EXIT_CODE);
  }
}
