export { AeFileError, type AeFileIssue, loadAeFile, parseAeFile } from './ae-file.js';
export { type AeRegistry, type RemoteAe, StaticAeRegistry } from './ae-registry.js';
export { AE_SOURCES, aeRegistrySpec, UNLISTED_AE_POLICIES } from './ae-registry-spec.js';
export { ConfigError, type ConfigIssue, ConfigValueError } from './config-error.js';
export {
  aeTitle,
  bool,
  type ConfigOf,
  type ConfigSpec,
  describeSpec,
  duration,
  type Env,
  type Field,
  type FieldDescription,
  FieldKind,
  type FieldOptions,
  grpcTarget,
  type IntOptions,
  int,
  type ListOptions,
  list,
  oneOf,
  type PortOptions,
  parseAeTitle,
  parseBoolean,
  parseDuration,
  parseGrpcTarget,
  parseInteger,
  parsePort,
  port,
  type Reader,
  readConfig,
  type StrOptions,
  str,
} from './env-readers.js';
export { moveTlsIssues, moveTlsSpec } from './move-tls-spec.js';
export { type NatsCredentials, natsCredentialsIssues, natsCredentialsSpec } from './nats-client-spec.js';
export { CONFIG_EXIT_CODE, readConfigOrExit } from './read-or-exit.js';
export {
  DEFAULT_MAX_MATCHES,
  DuplicatePolicy,
  type GatewayConfig,
  gatewaySpec,
  type QueryConfig,
  querySpec,
  type RetrieveConfig,
  readGatewayConfig,
  readQueryConfig,
  readRetrieveConfig,
  readStorageConfig,
  readVerificationConfig,
  retrieveSpec,
  type StorageConfig,
  storageSpec,
  telemetrySpec,
  type VerificationConfig,
  verificationSpec,
} from './service-specs.js';
export { tlsIssues, tlsSpec } from './tls-spec.js';
