export * from './archive-api.js';
export { type ArchiveIndex, createArchiveIndex, type StoredInstance } from './archive-index.js';
export { BLOB_KEY_DIGEST_LENGTH, type BlobKeyParts, blobKeyFor, parseBlobKey } from './blob-key.js';
export {
  type BlobKeyField,
  BlobKeyProblem,
  BlobTruncatedError,
  BlobWriterClosedError,
  EmbeddedIndexError,
  IndexUnavailableError,
  InvalidBlobKeyError,
  InvalidOwnerTagError,
  InvalidUidError,
  MigrationError,
} from './errors.js';
export {
  createFsBlobStore,
  DEFAULT_TEMPORARY_STALE_AFTER_MS,
  type FsBlobStoreOptions,
  TEMPORARY_DIRECTORY,
} from './fs-blob-store.js';
export { type IndexLevel, LEVEL_ATTRIBUTES, pickLevelAttributes } from './level-attributes.js';
export { MIGRATION_LOCK_KEY, MIGRATIONS, type Migration, migrate } from './migrate.js';
export { PATIENT_NAME_BEYOND_PREFIX } from './migrations/0002-patient-name-prefix.js';
export {
  EMBEDDED_INDEX_DIRECTORY,
  type IndexLogger,
  type OpenIndexOptions,
  openIndex,
} from './open-index.js';
export { createPgClient, isUnavailableError, type PgClientOptions } from './pg-client.js';
export { createPgliteClient, type PgliteClientOptions } from './pglite-client.js';
export type { QueryOptions, SqlClient } from './sql-client.js';
export { defaultOwnerTag, OWNER_TAG_PATTERN, temporaryOwner } from './temporary-name.js';
