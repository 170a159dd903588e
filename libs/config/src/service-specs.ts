import { aeRegistrySpec } from './ae-registry-spec.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import {
  aeTitle,
  bool,
  type ConfigOf,
  duration,
  type Env,
  grpcTarget,
  int,
  list,
  oneOf,
  parseAeTitle,
  port,
  readConfig,
  str,
} from './env-readers.js';
import { moveTlsIssues, moveTlsSpec } from './move-tls-spec.js';
import { natsCredentialsIssues, natsCredentialsSpec } from './nats-client-spec.js';
import { tlsIssues, tlsSpec } from './tls-spec.js';

/** Logging, tracing and metrics: the same variables in every service. */
export const telemetrySpec = {
  logLevel: oneOf(['debug', 'info', 'warn', 'error'], {
    env: 'DICOMESH_LOG_LEVEL',
    default: 'info',
    description: 'Minimum level of the JSON log lines written to stderr.',
  }),
  debugModules: list({
    env: 'DICOMESH_DEBUG',
    default: [],
    description: 'Modules whose debug lines are written whatever the level, e.g. dicom-ul,dimse (* for all).',
  }),
  tracesExporter: oneOf(['none', 'console', 'otlp'], {
    env: 'OTEL_TRACES_EXPORTER',
    default: 'none',
    description: 'Where spans go; otlp is configured by the standard OTEL_EXPORTER_OTLP_* variables.',
  }),
  metricsPort: port({
    env: 'DICOMESH_METRICS_PORT',
    default: 9464,
    allowZero: true,
    description: 'Port of the Prometheus /metrics endpoint (0: not served).',
  }),
  otelServiceName: str({
    env: 'OTEL_SERVICE_NAME',
    optional: true,
    description:
      "The traces' service.name (wins over OTEL_RESOURCE_ATTRIBUTES); unset: the service's own name.",
  }),
  otelResourceAttributes: str({
    env: 'OTEL_RESOURCE_ATTRIBUTES',
    optional: true,
    description:
      'Resource attributes of the traces: key=value pairs, comma-separated, values percent-encoded.',
  }),
} as const;

/** The index's PostgreSQL behind a connection pooler: the same variable in storage, query and retrieve. */
export const databasePoolerSpec = {
  databasePooled: bool({
    env: 'DICOMESH_DATABASE_POOLED',
    default: false,
    description:
      'DICOMESH_DATABASE_URL is a connection pooler (PgBouncer, pgcat; transaction or session mode): nothing is set at connect and no statement is prepared by name. Set statement_timeout on the database role instead.',
  }),
} as const;

/** The gateway: DICOM listener, association limits and timers, where the backends are. */
export const gatewaySpec = {
  ...telemetrySpec,
  dicomPort: port({
    env: 'DICOMESH_DICOM_PORT',
    default: 11112,
    description: 'DICOM (DIMSE) listening port.',
  }),
  dicomHost: str({ env: 'DICOMESH_DICOM_HOST', default: '0.0.0.0', description: 'DICOM listening address.' }),
  aeTitle: aeTitle({
    env: 'DICOMESH_AE_TITLE',
    default: 'DICOMESH',
    description: 'Our AE title (called AE).',
  }),
  allowedCallingAeTitles: list({
    env: 'DICOMESH_ALLOWED_CALLING_AE_TITLES',
    optional: true,
    item: parseAeTitle,
    description: 'Calling AE titles accepted (comma-separated); unset: any.',
  }),
  maxPduLength: int({
    env: 'DICOMESH_MAX_PDU_LENGTH',
    default: 262_144,
    min: 4_096,
    max: 16_777_216,
    description: 'Maximum length of a P-DATA-TF PDU we receive (announced in A-ASSOCIATE-AC).',
  }),
  artimTimeoutMs: duration({
    env: 'DICOMESH_ARTIM_TIMEOUT',
    default: 30_000,
    description:
      'ARTIM timer (PS3.8 9.1.5): waiting for A-ASSOCIATE-RQ, or for the peer to close after release.',
  }),
  idleTimeoutMs: duration({
    env: 'DICOMESH_IDLE_TIMEOUT',
    default: 300_000,
    description: 'Abort an association with no PDU for this long (0: never).',
  }),
  dimseTimeoutMs: duration({
    env: 'DICOMESH_DIMSE_TIMEOUT',
    default: 60_000,
    description: 'Deadline of the backend call serving one DIMSE request.',
  }),
  maxAssociations: int({
    env: 'DICOMESH_MAX_ASSOCIATIONS',
    default: 100,
    min: 1,
    max: 100_000,
    description: 'Concurrent associations; more are rejected transiently (local limit exceeded).',
  }),
  verificationUrl: grpcTarget({
    env: 'DICOMESH_VERIFICATION_URL',
    default: '127.0.0.1:50051',
    description: 'gRPC target of the verification service, e.g. dns:///dicomesh-verification:50051.',
  }),
  acceptUnknownSopClasses: bool({
    env: 'DICOMESH_ACCEPT_UNKNOWN_SOP_CLASSES',
    default: false,
    description:
      'Accept presentation contexts for SOP classes that are not standard storage SOP classes (as storage).',
  }),
  natsUrl: str({
    env: 'DICOMESH_NATS_URL',
    optional: true,
    secret: true,
    description:
      'NATS server(s) for association events (JetStream); unset: events are not published. Several: comma-separated; credentials in the URL (nats://user:password@host, nats://token@host).',
  }),
  ...natsCredentialsSpec,
  storageUrl: grpcTarget({
    env: 'DICOMESH_STORAGE_URL',
    default: '127.0.0.1:50052',
    description: 'gRPC target of the storage service, e.g. dns:///dicomesh-storage:50052.',
  }),
  queryUrl: grpcTarget({
    env: 'DICOMESH_QUERY_URL',
    default: '127.0.0.1:50053',
    description: 'gRPC target of the query service, e.g. dns:///dicomesh-query:50053.',
  }),
  retrieveUrl: grpcTarget({
    env: 'DICOMESH_RETRIEVE_URL',
    default: '127.0.0.1:50054',
    description: 'gRPC target of the retrieve service, e.g. dns:///dicomesh-retrieve:50054.',
  }),
  grpcPort: port({
    env: 'DICOMESH_GRPC_PORT',
    default: 50050,
    allowZero: true,
    description: 'Port of the gateway gRPC server (grpc.health.v1 for probes).',
  }),
  dataDir: str({ env: 'DICOMESH_DATA_DIR', default: './data', description: 'Local state directory.' }),
  ...aeRegistrySpec,
  ...tlsSpec,
  shutdownGraceMs: duration({
    env: 'DICOMESH_SHUTDOWN_GRACE',
    default: 25_000,
    description:
      'On SIGTERM, new associations are rejected (transient) and open ones may finish for this long.',
  }),
} as const;
export type GatewayConfig = ConfigOf<typeof gatewaySpec>;

/** The verification (C-ECHO) backend. */
export const verificationSpec = {
  ...telemetrySpec,
  grpcPort: port({
    env: 'DICOMESH_GRPC_PORT',
    default: 50051,
    allowZero: true,
    description: 'gRPC listening port (Verification and grpc.health.v1).',
  }),
  grpcHost: str({ env: 'DICOMESH_GRPC_HOST', default: '0.0.0.0', description: 'gRPC listening address.' }),
  shutdownGraceMs: duration({
    env: 'DICOMESH_SHUTDOWN_GRACE',
    default: 10_000,
    description: 'On SIGTERM, how long running calls may finish before they are cancelled.',
  }),
} as const;
export type VerificationConfig = ConfigOf<typeof verificationSpec>;

/** What the storage service does with a C-STORE of an instance it already has. */
export const DuplicatePolicy = { Ignore: 'ignore', Overwrite: 'overwrite' } as const;
export type DuplicatePolicy = (typeof DuplicatePolicy)[keyof typeof DuplicatePolicy];

/** The storage (C-STORE) backend: blob store, index, events. */
export const storageSpec = {
  ...telemetrySpec,
  grpcPort: port({
    env: 'DICOMESH_GRPC_PORT',
    default: 50052,
    allowZero: true,
    description: 'gRPC listening port (Storage and grpc.health.v1).',
  }),
  grpcHost: str({ env: 'DICOMESH_GRPC_HOST', default: '0.0.0.0', description: 'gRPC listening address.' }),
  dataDir: str({
    env: 'DICOMESH_DATA_DIR',
    default: './data',
    description:
      'Local state directory: blobs in <dir>/blobs, and the embedded index (PGlite) in <dir>/index when no database URL is set.',
  }),
  databaseUrl: str({
    env: 'DICOMESH_DATABASE_URL',
    optional: true,
    secret: true,
    description:
      'PostgreSQL connection URL of the index (postgres://user:pass@host:5432/db); unset: embedded PGlite.',
  }),
  ...databasePoolerSpec,
  natsUrl: str({
    env: 'DICOMESH_NATS_URL',
    optional: true,
    secret: true,
    description:
      'NATS server(s) for JetStream events, e.g. nats://nats:4222; unset: in-process event bus. Several: comma-separated; credentials in the URL (nats://user:password@host, nats://token@host).',
  }),
  ...natsCredentialsSpec,
  duplicates: oneOf([DuplicatePolicy.Ignore, DuplicatePolicy.Overwrite], {
    env: 'DICOMESH_STORE_DUPLICATES',
    default: DuplicatePolicy.Ignore,
    description:
      'A C-STORE of an instance already stored: ignore (answer Success, keep the first copy) or overwrite (replace it).',
  }),
  acceptUnknownSopClasses: bool({
    env: 'DICOMESH_ACCEPT_UNKNOWN_SOP_CLASSES',
    default: false,
    description: 'Store SOP classes that are not standard storage SOP classes (else refused with 0122).',
  }),
  shutdownGraceMs: duration({
    env: 'DICOMESH_SHUTDOWN_GRACE',
    default: 10_000,
    description: 'On SIGTERM, how long running calls may finish before they are cancelled.',
  }),
} as const;
export type StorageConfig = ConfigOf<typeof storageSpec>;

export function readStorageConfig(env: Env = process.env): StorageConfig {
  const config = readConfig(storageSpec, env);
  const issues = natsCredentialsIssues(config);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** The gateway's configuration; a TLS port without its files is named along with every other issue. */
export function readGatewayConfig(env: Env = process.env): GatewayConfig {
  let config: GatewayConfig;
  try {
    config = readConfig(gatewaySpec, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError([...error.issues, ...tlsIssuesIfReadable(env)]);
  }
  const issues = [...tlsIssues(config), ...natsCredentialsIssues(config)];
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** The TLS combination issues, when the TLS variables themselves are valid (else they are named already). */
function tlsIssuesIfReadable(env: Env): ConfigIssue[] {
  try {
    return tlsIssues(readConfig(tlsSpec, env));
  } catch {
    return [];
  }
}

export function readVerificationConfig(env: Env = process.env): VerificationConfig {
  return readConfig(verificationSpec, env);
}

/** The query (C-FIND) backend: the index it reads and its matching options. */
/** The default cap on matches of one C-FIND (0xA700 with a comment past it). */
export const DEFAULT_MAX_MATCHES = 50_000;

export const querySpec = {
  ...telemetrySpec,
  grpcPort: port({
    env: 'DICOMESH_GRPC_PORT',
    default: 50053,
    allowZero: true,
    description: 'gRPC listening port (Query and grpc.health.v1).',
  }),
  grpcHost: str({ env: 'DICOMESH_GRPC_HOST', default: '0.0.0.0', description: 'gRPC listening address.' }),
  dataDir: str({
    env: 'DICOMESH_DATA_DIR',
    default: './data',
    description:
      'Local state directory: the embedded index (PGlite) in <dir>/index when no database URL is set.',
  }),
  databaseUrl: str({
    env: 'DICOMESH_DATABASE_URL',
    optional: true,
    secret: true,
    description:
      'PostgreSQL connection URL of the index (read only by this service); unset: embedded PGlite.',
  }),
  ...databasePoolerSpec,
  maxMatches: int({
    env: 'DICOMESH_QUERY_MAX_MATCHES',
    default: DEFAULT_MAX_MATCHES,
    min: 0,
    max: 100_000_000,
    description: 'Matches one C-FIND may return; past it the query ends with A700 and a comment (0: no cap).',
  }),
  personNameCaseInsensitive: bool({
    env: 'DICOMESH_QUERY_PN_CASE_INSENSITIVE',
    default: true,
    description: 'Match person names regardless of case (PS3.4 C.2.2.2.1 leaves it to the SCP).',
  }),
  retrieveAeTitle: aeTitle({
    env: 'DICOMESH_QUERY_RETRIEVE_AE_TITLE',
    optional: true,
    description: 'Retrieve AE Title (0008,0054) of every match; unset: the AE title the SCU called.',
  }),
  shutdownGraceMs: duration({
    env: 'DICOMESH_SHUTDOWN_GRACE',
    default: 10_000,
    description: 'On SIGTERM, how long running calls may finish before they are cancelled.',
  }),
} as const;
export type QueryConfig = ConfigOf<typeof querySpec>;

export function readQueryConfig(env: Env = process.env): QueryConfig {
  return readConfig(querySpec, env);
}

/** The retrieve (C-MOVE, C-GET) backend: the index and blobs it reads, the AEs it sends to. */
export const retrieveSpec = {
  ...telemetrySpec,
  grpcPort: port({
    env: 'DICOMESH_GRPC_PORT',
    default: 50054,
    allowZero: true,
    description: 'gRPC listening port (Retrieve and grpc.health.v1).',
  }),
  grpcHost: str({ env: 'DICOMESH_GRPC_HOST', default: '0.0.0.0', description: 'gRPC listening address.' }),
  aeTitle: aeTitle({
    env: 'DICOMESH_AE_TITLE',
    default: 'DICOMESH',
    description: 'Calling AE title of the associations to C-MOVE destinations.',
  }),
  // The C-MOVE destinations: registered AEs granted moveDestination (every AE of a file); others get A801.
  ...aeRegistrySpec,
  ...moveTlsSpec,
  dataDir: str({
    env: 'DICOMESH_DATA_DIR',
    default: './data',
    description:
      'Local state directory: blobs in <dir>/blobs, and the embedded index (PGlite) in <dir>/index when no database URL is set.',
  }),
  databaseUrl: str({
    env: 'DICOMESH_DATABASE_URL',
    optional: true,
    secret: true,
    description:
      'PostgreSQL connection URL of the index (read only by this service); unset: embedded PGlite.',
  }),
  ...databasePoolerSpec,
  natsUrl: str({
    env: 'DICOMESH_NATS_URL',
    optional: true,
    secret: true,
    description:
      'NATS server(s) for dicomesh.v1.retrieve.completed events; unset: not published. Several: comma-separated; credentials in the URL (nats://user:password@host, nats://token@host).',
  }),
  ...natsCredentialsSpec,
  subOperationTimeoutMs: duration({
    env: 'DICOMESH_DIMSE_TIMEOUT',
    default: 60_000,
    description:
      'Longest wait without progress in one C-STORE sub-operation (and for A-ASSOCIATE/A-RELEASE with a destination).',
  }),
  shutdownGraceMs: duration({
    env: 'DICOMESH_SHUTDOWN_GRACE',
    default: 10_000,
    description: 'On SIGTERM, how long running calls may finish before they are cancelled.',
  }),
} as const;
export type RetrieveConfig = ConfigOf<typeof retrieveSpec>;

export function readRetrieveConfig(env: Env = process.env): RetrieveConfig {
  const config = readConfig(retrieveSpec, env);
  const issues = [...moveTlsIssues(config), ...natsCredentialsIssues(config)];
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
