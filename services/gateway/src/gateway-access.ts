/**
 * Who may call the gateway, from its configuration: the AE registry its variables name (exit 2 naming a bad
 * one) and the calling-AE policy over it. all-in-one shares the registry with retrieve's move destinations.
 */
import type { GatewayConfig } from '@dicomesh/config';
import { type AeRegistry, openAeRegistry, registrySettingsOrExit } from '@dicomesh/k8s-registry';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { type CallingAePolicy, callingAePolicy } from './calling-ae-policy.js';

export interface GatewayAccess {
  readonly registry: AeRegistry;
  readonly callingAes: CallingAePolicy;
}

export async function openGatewayAccess(config: GatewayConfig, logger: Logger): Promise<GatewayAccess> {
  const aeSettings = registrySettingsOrExit(config, logger);
  const registry = await openAeRegistry(aeSettings, { logger: createLogger('k8s-registry') });
  const callingAes = callingAePolicy({
    registry,
    unlisted: aeSettings.unlisted,
    allowedCallingAeTitles: config.allowedCallingAeTitles,
    logger,
  });
  return { registry, callingAes };
}
