import { randomUUID } from 'node:crypto';

/** Why a string is not a valid UID (PS3.5 §9.1). */
export const UidProblemReason = {
  Empty: 'empty',
  TooLong: 'too-long',
  InvalidCharacter: 'invalid-character',
  EmptyComponent: 'empty-component',
  LeadingZero: 'leading-zero',
} as const;
export type UidProblemReason = (typeof UidProblemReason)[keyof typeof UidProblemReason];

export interface UidProblem {
  readonly reason: UidProblemReason;
  /** Offset into the unpadded UID where the problem is, when it has one. */
  readonly offset?: number;
  readonly message: string;
}

export const UID_MAX_LENGTH = 64;

/** Strip the trailing NUL (and, leniently, space) padding of a UID value. */
export function stripUidPadding(value: string): string {
  return value.replace(/[\0 ]+$/, '');
}

/**
 * Check `uid` against PS3.5 §9.1: only digits and '.', components not empty, no leading zero in a
 * multi-digit component, at most 64 characters. Trailing NUL padding is removed first.
 * Returns undefined when the UID is valid.
 */
export function validateUid(uid: string): UidProblem | undefined {
  const value = uid.replace(/\0+$/, '');
  if (value.length === 0) return { reason: UidProblemReason.Empty, message: 'UID is empty' };
  if (value.length > UID_MAX_LENGTH) {
    return {
      reason: UidProblemReason.TooLong,
      message: `UID has ${value.length} characters, more than ${UID_MAX_LENGTH}`,
    };
  }
  let componentStart = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (i === componentStart) {
        return {
          reason: UidProblemReason.EmptyComponent,
          offset: i,
          message: `UID has an empty component at offset ${i}`,
        };
      }
      if (value.charCodeAt(componentStart) === 0x30 && i - componentStart > 1) {
        return {
          reason: UidProblemReason.LeadingZero,
          offset: componentStart,
          message: `UID component at offset ${componentStart} has a leading zero`,
        };
      }
      componentStart = i + 1;
    } else if (c < 0x30 || c > 0x39) {
      return {
        reason: UidProblemReason.InvalidCharacter,
        offset: i,
        message: `UID has invalid character ${JSON.stringify(value[i])} at offset ${i}`,
      };
    }
  }
  return undefined;
}

export function isValidUid(uid: string): boolean {
  return validateUid(uid) === undefined;
}

/** Root for UUID-derived UIDs (PS3.5 §B.2, ISO/IEC 9834-8). */
export const UUID_UID_ROOT = '2.25';

/** A new UID `2.25.<random UUID as a decimal integer>` (at most 44 characters). */
export function generateUid(): string {
  const hex = randomUUID().replaceAll('-', '');
  return `${UUID_UID_ROOT}.${BigInt(`0x${hex}`).toString(10)}`;
}
