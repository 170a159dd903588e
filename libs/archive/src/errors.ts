import type { UidProblemReason } from '@dicomesh/dicom';

/** Which identifier of a blob key failed validation. */
export type BlobKeyField = 'studyInstanceUid' | 'seriesInstanceUid' | 'sopInstanceUid';

/** A UID that cannot be used in a blob key (and so never reaches a file path). */
export class InvalidUidError extends Error {
  override readonly name = 'InvalidUidError';
  constructor(
    readonly field: BlobKeyField,
    readonly reason: UidProblemReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options);
  }
}

/** Why a string is not a blob key produced by `blobKeyFor`. */
export const BlobKeyProblem = {
  Shape: 'shape',
  Digest: 'digest',
  Uid: 'uid',
} as const;
export type BlobKeyProblem = (typeof BlobKeyProblem)[keyof typeof BlobKeyProblem];

/** A key handed to the blob store that `blobKeyFor` could not have produced (never used as a path). */
export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
  constructor(
    readonly key: string,
    readonly problem: BlobKeyProblem,
    options?: { cause?: unknown },
  ) {
    super(`blob key ${JSON.stringify(key.slice(0, 200))}: ${problem} is invalid`, options);
  }
}

/** `BlobWriter.commit`/`write` after the writer was committed or aborted. */
export class BlobWriterClosedError extends Error {
  override readonly name = 'BlobWriterClosedError';
  constructor(
    readonly operation: 'write' | 'commit',
    readonly state: 'committed' | 'aborted' | 'failed',
    options?: { cause?: unknown },
  ) {
    super(`blob writer: ${operation} after it was ${state}`, options);
  }
}

/** A blob ended before the bytes asked for (it was truncated, or the index is wrong about its size). */
export class BlobTruncatedError extends Error {
  override readonly name = 'BlobTruncatedError';
  constructor(
    readonly key: string,
    readonly expectedEnd: number,
    readonly actualEnd: number,
  ) {
    super(`blob ${key} ends at byte ${actualEnd}, before ${expectedEnd}`);
  }
}

/** `FsBlobStoreOptions.owner` is not a safe file-name tag (letters, digits, '.', '_', '-'; at most 128). */
export class InvalidOwnerTagError extends Error {
  override readonly name = 'InvalidOwnerTagError';
  constructor(readonly owner: string) {
    super(
      `blob store owner tag ${JSON.stringify(owner.slice(0, 200))} is invalid: use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
}

/** The index database cannot be reached (refused, terminated, timed out, shutting down). */
export class IndexUnavailableError extends Error {
  override readonly name = 'IndexUnavailableError';
  constructor(
    readonly operation: string,
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(
      `index unavailable during ${operation}${code === undefined ? '' : ` (${code})`}: ${describe(options.cause)}`,
      options,
    );
  }
}

/** A schema migration failed; the transaction that applied it was rolled back. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly version: number,
    readonly migration: string,
    options: { cause: unknown },
  ) {
    super(`migration ${version} (${migration}) failed: ${describe(options.cause)}`, options);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A statement the embedded index (PGlite, in its worker thread) refused: the original error's name and
 * message, and its PostgreSQL fields as own properties (`code` is the SQLSTATE, as with `pg`).
 */
export class EmbeddedIndexError extends Error {
  override readonly name = 'EmbeddedIndexError';
  readonly code: string | undefined;
  constructor(
    readonly originalName: string,
    message: string,
    readonly fields: Readonly<Record<string, string | number | boolean | undefined>>,
  ) {
    super(message);
    this.code = typeof fields.code === 'string' ? fields.code : undefined;
  }
}
