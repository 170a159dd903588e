import { describe, expect, it } from 'vitest';
import { generateUid, isValidUid, UidProblemReason, validateUid } from '../src/index.js';

describe('validateUid (PS3.5 9.1)', () => {
  it('accepts well-formed UIDs, with trailing NUL padding', () => {
    for (const uid of [
      '1.2.840.10008.1.2',
      '1.2.840.10008.1.2\0',
      '0.0',
      '2.25.0',
      '1',
      '1.20.300',
      '9'.repeat(64),
    ]) {
      expect(validateUid(uid), JSON.stringify(uid)).toBeUndefined();
    }
  });

  it.each([
    ['', UidProblemReason.Empty],
    ['\0', UidProblemReason.Empty],
    ['../', UidProblemReason.EmptyComponent],
    ['../../etc/passwd', UidProblemReason.EmptyComponent],
    ['1.2/3', UidProblemReason.InvalidCharacter],
    ['1.2.3a', UidProblemReason.InvalidCharacter],
    ['1.2.abc', UidProblemReason.InvalidCharacter],
    ['1.2.3 ', UidProblemReason.InvalidCharacter],
    ['1.2\0.3', UidProblemReason.InvalidCharacter],
    ['-1.2', UidProblemReason.InvalidCharacter],
    ['1.02.3', UidProblemReason.LeadingZero],
    ['01.2', UidProblemReason.LeadingZero],
    ['1.2.00', UidProblemReason.LeadingZero],
    ['1..2', UidProblemReason.EmptyComponent],
    ['.1.2', UidProblemReason.EmptyComponent],
    ['1.2.', UidProblemReason.EmptyComponent],
    [`1.${'2'.repeat(63)}`, UidProblemReason.TooLong],
    ['1'.repeat(65), UidProblemReason.TooLong],
  ])('rejects %j as %s', (uid, reason) => {
    const problem = validateUid(uid);
    expect(problem?.reason).toBe(reason);
    expect(problem?.message).toMatch(/UID/);
    expect(isValidUid(uid)).toBe(false);
  });

  it('names the offset of the offending character', () => {
    expect(validateUid('1.2.3x')).toMatchObject({ reason: 'invalid-character', offset: 5 });
    expect(validateUid('1.2.03')).toMatchObject({ reason: 'leading-zero', offset: 4 });
  });
});

describe('generateUid', () => {
  it('makes valid, distinct 2.25 UIDs', () => {
    const uids = new Set(Array.from({ length: 1000 }, generateUid));
    expect(uids.size).toBe(1000);
    for (const uid of uids) {
      expect(uid.startsWith('2.25.')).toBe(true);
      expect(validateUid(uid)).toBeUndefined();
      expect(uid.length).toBeLessThanOrEqual(44);
    }
  });
});
