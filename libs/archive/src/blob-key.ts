import { UidProblemReason, validateUid } from '@dicomesh/dicom';
import type { BlobKey } from './archive-api.js';
import { type BlobKeyField, BlobKeyProblem, InvalidBlobKeyError, InvalidUidError } from './errors.js';

/** Hex characters of the SHA-256 kept in a key: enough to tell two versions of one instance apart. */
export const BLOB_KEY_DIGEST_LENGTH = 16;
const BLOB_KEY_SUFFIX = '.dcm';
const HEX_DIGEST = /^[0-9a-f]{64}$/;
const HEX_PREFIX = /^[0-9a-f]{16}$/;

export interface BlobKeyParts {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
}

/**
 * The key of a blob: `<study>/<series>/<sop>.<first 16 hex of sha256>.dcm`. Every UID is validated
 * (PS3.5 §9.1: digits and dots, at most 64 characters), so a key never holds `/`, `..` or letters.
 * UIDs must come without their NUL padding.
 */
export function blobKeyFor(parts: BlobKeyParts & { readonly sha256: string }): BlobKey {
  const study = checkedUid('studyInstanceUid', parts.studyInstanceUid);
  const series = checkedUid('seriesInstanceUid', parts.seriesInstanceUid);
  const sop = checkedUid('sopInstanceUid', parts.sopInstanceUid);
  const sha256 = parts.sha256.toLowerCase();
  if (!HEX_DIGEST.test(sha256)) throw new InvalidBlobKeyError(parts.sha256, BlobKeyProblem.Digest);
  return `${study}/${series}/${sop}.${sha256.slice(0, BLOB_KEY_DIGEST_LENGTH)}${BLOB_KEY_SUFFIX}` as BlobKey;
}

/** Split a key back into its parts, revalidating each; throws InvalidBlobKeyError for anything else. */
export function parseBlobKey(key: string): BlobKeyParts & { readonly digestPrefix: string } {
  const segments = key.split('/');
  const [study, series, file] = segments;
  if (
    segments.length !== 3 ||
    study === undefined ||
    series === undefined ||
    file === undefined ||
    !file.endsWith(BLOB_KEY_SUFFIX)
  ) {
    throw new InvalidBlobKeyError(key, BlobKeyProblem.Shape);
  }
  const stem = file.slice(0, -BLOB_KEY_SUFFIX.length);
  const dot = stem.lastIndexOf('.');
  const sop = stem.slice(0, dot);
  const digestPrefix = stem.slice(dot + 1);
  if (dot < 0 || !HEX_PREFIX.test(digestPrefix)) throw new InvalidBlobKeyError(key, BlobKeyProblem.Digest);
  try {
    return {
      studyInstanceUid: checkedUid('studyInstanceUid', study),
      seriesInstanceUid: checkedUid('seriesInstanceUid', series),
      sopInstanceUid: checkedUid('sopInstanceUid', sop),
      digestPrefix,
    };
  } catch (error) {
    throw new InvalidBlobKeyError(key, BlobKeyProblem.Uid, { cause: error });
  }
}

function checkedUid(field: BlobKeyField, uid: string): string {
  const problem = validateUid(uid);
  if (problem !== undefined) throw new InvalidUidError(field, problem.reason, problem.message);
  // validateUid forgives NUL padding; a path must not carry it.
  if (uid.includes('\0')) {
    throw new InvalidUidError(field, UidProblemReason.InvalidCharacter, 'UID still has its NUL padding');
  }
  return uid;
}
