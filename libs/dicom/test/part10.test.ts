import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFileMetaHeader,
  buildPart10,
  DicomEncodeError,
  DicomParseError,
  IncompleteInputError,
  PART10_PREFIX_LENGTH,
  parsePart10,
  TransferSyntaxUid,
} from '../src/index.js';
import { pydicomDataDir, REAL_FILES, runTool } from './pydicom.js';

const dcmdump = (file: string, ...args: string[]) =>
  execFileSync('dcmdump', [...args, file], { encoding: 'utf8', env: { ...process.env, TCP_NODELAY: '1' } });

describe('parsePart10 and buildFileMetaHeader', () => {
  let dir: string;
  let work: string;
  let expected: Record<
    string,
    { transferSyntaxUid: string; sopInstanceUid: string; mediaStorageSopInstanceUid: string }
  >;
  beforeAll(() => {
    dir = path.join(pydicomDataDir(), 'test_files');
    work = mkdtempSync(path.join(tmpdir(), 'dicomesh-part10-'));
    expected = runTool(
      'pydicom-headers.py',
      REAL_FILES.map((f) => path.join(dir, f)),
    );
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(REAL_FILES)('%s: split, rebuild, DCMTK reads it, data set bytes unchanged', (file) => {
    const original = readFileSync(path.join(dir, file));
    const want = expected[path.join(dir, file)]!;
    const split = parsePart10(original);
    expect(split.transferSyntaxUid).toBe(want.transferSyntaxUid);
    expect(split.meta.mediaStorageSopInstanceUid).toBe(want.mediaStorageSopInstanceUid);
    const dataSet = original.subarray(split.dataSetOffset);

    const rebuilt = buildPart10(
      {
        sopClassUid: split.meta.mediaStorageSopClassUid!,
        sopInstanceUid: split.meta.mediaStorageSopInstanceUid!,
        transferSyntaxUid: split.transferSyntaxUid,
        implementationClassUid: '1.2.826.0.1.3680043.10.1234.1',
        implementationVersionName: 'DICOMESH_0_1',
        sourceAeTitle: 'ACCEPTSCU',
      },
      dataSet,
    );
    const again = parsePart10(rebuilt);
    expect(again.transferSyntaxUid).toBe(split.transferSyntaxUid);
    expect(again.meta.sourceApplicationEntityTitle).toBe('ACCEPTSCU');
    expect(again.meta.implementationVersionName).toBe('DICOMESH_0_1');
    expect(Buffer.compare(rebuilt.subarray(again.dataSetOffset), dataSet)).toBe(0);

    const out = path.join(work, file);
    writeFileSync(out, rebuilt);
    const dump = dcmdump(out, '-M', '+L');
    expect(dump).toContain(`(0002,0010) UI =`);
    expect(dump).toMatch(
      new RegExp(`\\(0002,0003\\) UI \\[${want.mediaStorageSopInstanceUid.replaceAll('.', '\\.')}\\]`),
    );
    // The data set itself parses too (for the deflated file DCMTK inflates it).
    expect(dcmdump(out, '+P', '0008,0018')).toContain(want.sopInstanceUid);
  });

  it('writes a group length DCMTK agrees with, and NUL-pads odd UIDs', () => {
    const header = buildFileMetaHeader({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUid: '1.2.3.45',
      transferSyntaxUid: TransferSyntaxUid.ImplicitVrLittleEndian,
      implementationClassUid: '1.2.3',
    });
    expect(header.subarray(0, 128).every((b) => b === 0)).toBe(true);
    expect(header.subarray(128, 132).toString('latin1')).toBe('DICM');
    const groupLength = header.readUInt32LE(PART10_PREFIX_LENGTH + 8);
    expect(groupLength).toBe(header.length - PART10_PREFIX_LENGTH - 12);
    expect(header.length % 2).toBe(0);
    // Transfer Syntax "1.2.840.10008.1.2" has 17 characters: padded with one NUL to 18.
    const tsAt = header.indexOf(Buffer.from('1.2.840.10008.1.2\0', 'latin1'));
    expect(tsAt).toBeGreaterThan(0);
    expect(header.readUInt16LE(tsAt - 2)).toBe(18);
    const file = path.join(work, 'meta-only.dcm');
    writeFileSync(file, header);
    const dump = dcmdump(file, '-M', '+L');
    expect(dump).toContain(`(0002,0000) UL ${groupLength} `);
    expect(dump).toContain('(0002,0010) UI =LittleEndianImplicit');
  });

  it('refuses invalid UIDs and titles instead of writing them', () => {
    const base = {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUid: '1.2.3',
      transferSyntaxUid: TransferSyntaxUid.ExplicitVrLittleEndian,
      implementationClassUid: '1.2.3',
    };
    expect(() => buildFileMetaHeader({ ...base, sopInstanceUid: '../../etc' })).toThrow(DicomEncodeError);
    expect(() => buildFileMetaHeader({ ...base, sourceAeTitle: 'A'.repeat(17) })).toThrow(DicomEncodeError);
    expect(() => buildFileMetaHeader({ ...base, implementationVersionName: 'bad\\name' })).toThrow(
      DicomEncodeError,
    );
  });

  it('asks for more bytes when the head is short, and rejects non-DICOM input', () => {
    const original = readFileSync(path.join(dir, 'CT_small.dcm'));
    const { dataSetOffset } = parsePart10(original);
    for (const n of [0, 100, 132, 140, dataSetOffset - 1]) {
      expect(() => parsePart10(original.subarray(0, n)), `${n} bytes`).toThrow(IncompleteInputError);
    }
    expect(parsePart10(original.subarray(0, dataSetOffset)).dataSetOffset).toBe(dataSetOffset);
    const notDicom = Buffer.alloc(200);
    expect(() => parsePart10(notDicom)).toThrow(DicomParseError);
    expect(() => parsePart10(notDicom)).not.toThrow(IncompleteInputError);
  });
});
