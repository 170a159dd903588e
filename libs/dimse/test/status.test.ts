import { describe, expect, it } from 'vitest';
import { formatStatus, ServiceClass, Status, statusCategory, statusMeaning } from '../src/index.js';

describe('status tables', () => {
  it('categorises general statuses (PS3.7 Annex C)', () => {
    expect(statusCategory(0x0000)).toBe('Success');
    expect(statusCategory(0xff00)).toBe('Pending');
    expect(statusCategory(0xff01)).toBe('Pending');
    expect(statusCategory(0xfe00)).toBe('Cancel');
    expect(statusCategory(0x0107)).toBe('Warning');
    expect(statusCategory(0x0116)).toBe('Warning');
    for (const code of [
      0x0105, 0x0106, 0x0110, 0x0111, 0x0112, 0x0117, 0x0122, 0x0124, 0x0210, 0x0211, 0x0212, 0x0213,
    ]) {
      expect(statusCategory(code), formatStatus(code)).toBe('Failure');
    }
    expect(statusMeaning(0x0211)).toBe('Unrecognized operation');
    expect(statusMeaning(0x0122)).toBe('Refused: SOP Class not supported');
  });

  it('storage (PS3.4 Annex B): ranges and warnings', () => {
    const s = ServiceClass.Storage;
    expect(statusCategory(0xa7ff, s)).toBe('Failure');
    expect(statusMeaning(0xa712, s)).toBe('Refused: Out of Resources');
    expect(statusMeaning(0xa9ab, s)).toBe('Error: Data Set does not match SOP Class');
    expect(statusMeaning(0xc123, s)).toBe('Error: Cannot understand');
    expect(statusCategory(0xc123, s)).toBe('Failure');
    expect(statusCategory(0xb000, s)).toBe('Warning');
    expect(statusMeaning(0xb000, s)).toBe('Coercion of Data Elements');
    expect(statusMeaning(0xb007, s)).toBe('Data Set does not match SOP Class');
    expect(statusMeaning(0xb006, s)).toBe('Elements Discarded');
  });

  it('query/retrieve (PS3.4 Annex C)', () => {
    expect(statusMeaning(0xff01, ServiceClass.QueryRetrieveFind)).toMatch(/Optional Keys/);
    expect(statusCategory(0xfe00, ServiceClass.QueryRetrieveFind)).toBe('Cancel');
    expect(statusMeaning(0xa801, ServiceClass.QueryRetrieveMove)).toBe('Refused: Move Destination unknown');
    expect(statusMeaning(0xa702, ServiceClass.QueryRetrieveGet)).toMatch(/unable to perform sub-operations/);
    expect(statusMeaning(0xa701, ServiceClass.QueryRetrieveMove)).toMatch(/number of matches/);
    expect(statusCategory(0xb000, ServiceClass.QueryRetrieveMove)).toBe('Warning');
    expect(statusMeaning(0xc001, ServiceClass.QueryRetrieveFind)).toBe('Failed: Unable to process');
    expect(statusMeaning(0xa900, ServiceClass.QueryRetrieveFind)).toMatch(/Identifier does not match/);
    expect(statusMeaning(0xa700, ServiceClass.QueryRetrieveFind)).toBe('Refused: Out of Resources');
  });

  it('falls back on the PS3.7 ranges for unknown codes', () => {
    expect(statusCategory(0xb123)).toBe('Warning');
    expect(statusCategory(0xd000)).toBe('Failure');
    expect(statusMeaning(0xd000)).toBe('Unknown status (Failure)');
    expect(statusMeaning(0xa801)).toBe('Refused: Move Destination unknown');
    expect(Status.MoveDestinationUnknown).toBe(0xa801);
    expect(formatStatus(0xa801)).toBe('0xA801');
  });
});
