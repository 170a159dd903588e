/**
 * The query service's environment (to move into libs/config's service-specs next to storageSpec): the
 * same telemetry, gRPC and index variables as storage, plus the matching options.
 */
import {
  aeTitle,
  bool,
  type ConfigOf,
  duration,
  type Env,
  int,
  port,
  readConfig,
  str,
  telemetrySpec,
} from '@dicomesh/config';

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
