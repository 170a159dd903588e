export { AeIndex } from './ae-index.js';
export {
  AE_OPERATIONS,
  AeOperation,
  type AePermissions,
  ALL_PERMISSIONS,
  isCallingOperation,
  NO_PERMISSIONS,
} from './ae-operation.js';
export {
  type AeChangeListener,
  type AeRegistry,
  type RegisteredAe,
  UnlistedAePolicy,
} from './ae-registry.js';
export {
  type ApplicationEntity,
  ApplicationEntityResource,
  applicationEntitiesPath,
  parseApplicationEntity,
} from './application-entity.js';
export { AeRegistryConfigError, InvalidApplicationEntityError } from './errors.js';
export {
  emptyAeRegistry,
  FileAeRegistry,
  type FileAeRegistryOptions,
  loadFileAeRegistry,
} from './file-ae-registry.js';
export {
  type AeRegistryEnv,
  type AeRegistrySettings,
  AeSource,
  aeRegistrySettings,
  type KubernetesAccess,
  SERVICE_ACCOUNT_DIR,
} from './k8s-registry-config.js';
// Types only: the Kubernetes client loads when openAeRegistry opens a kubernetes source.
export type { KubernetesAeRegistry, KubernetesAeRegistryOptions } from './kubernetes-ae-registry.js';
export { openAeRegistry } from './open-ae-registry.js';
export type { OpenAeRegistryOptions } from './open-options.js';
export {
  type AeRegistryConfig,
  registrySettingsFromConfig,
  registrySettingsOrExit,
} from './registry-settings-from-config.js';
export { type BackoffOptions, DEFAULT_BACKOFF, RestartBackoff } from './restart-backoff.js';
