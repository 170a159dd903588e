import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isKnownTransferSyntax,
  isValidUid,
  TRANSFER_SYNTAXES,
  TransferSyntaxUid,
  transferSyntax,
  UNCOMPRESSED_TRANSFER_SYNTAXES,
} from '../src/index.js';
import { PYTHON } from './pydicom.js';

describe('transfer syntax registry', () => {
  it('describes the native syntaxes', () => {
    expect(transferSyntax('1.2.840.10008.1.2')).toMatchObject({
      explicitVr: false,
      littleEndian: true,
      encapsulated: false,
      deflated: false,
      retired: false,
    });
    expect(transferSyntax('1.2.840.10008.1.2.2')).toMatchObject({
      explicitVr: true,
      littleEndian: false,
      retired: true,
    });
    expect(transferSyntax('1.2.840.10008.1.2.1.99')).toMatchObject({ deflated: true, encapsulated: false });
    expect(transferSyntax('1.2.840.10008.1.2.4.50')).toMatchObject({ encapsulated: true, lossy: true });
    expect(transferSyntax('1.2.840.10008.1.2.5')).toMatchObject({ encapsulated: true, lossy: false });
    expect(transferSyntax('1.2.840.10008.1.2.1.98')?.encapsulated).toBe(true);
  });

  it('ignores UID padding in lookups but not in the type guard', () => {
    expect(transferSyntax('1.2.840.10008.1.2\0')?.uid).toBe('1.2.840.10008.1.2');
    expect(isKnownTransferSyntax('1.2.840.10008.1.2.4.201')).toBe(true);
    expect(isKnownTransferSyntax('1.2.840.10008.1.2.4.52')).toBe(false);
    expect(transferSyntax('1.2.3')).toBeUndefined();
  });

  it('lists the uncompressed syntaxes', () => {
    expect(UNCOMPRESSED_TRANSFER_SYNTAXES).toEqual([
      TransferSyntaxUid.ExplicitVrLittleEndian,
      TransferSyntaxUid.ImplicitVrLittleEndian,
      TransferSyntaxUid.ExplicitVrBigEndian,
    ]);
    for (const uid of UNCOMPRESSED_TRANSFER_SYNTAXES) expect(transferSyntax(uid)?.encapsulated).toBe(false);
  });

  it('has valid UIDs that pydicom names as transfer syntaxes', () => {
    const names: Record<string, [string, string]> = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          'import json; from pydicom._uid_dict import UID_dictionary as d; print(json.dumps({k: [v[0], v[1]] for k, v in d.items()}))',
        ],
        { encoding: 'utf8' },
      ),
    );
    let known = 0;
    for (const ts of TRANSFER_SYNTAXES) {
      expect(isValidUid(ts.uid), ts.uid).toBe(true);
      const entry = names[ts.uid];
      if (!entry) continue; // newer than pydicom 2.3's dictionary (JPEG XL, HTJ2K, SMPTE 2110...)
      known++;
      expect(entry[1], ts.uid).toBe('Transfer Syntax');
    }
    expect(known).toBeGreaterThan(25);
  });
});
