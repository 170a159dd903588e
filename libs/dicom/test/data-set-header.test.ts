import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DataSetHeader,
  DataSetHeaderReader,
  DicomParseError,
  parsePart10,
  readDataSetHeader,
  TransferSyntaxUid,
  UnsupportedTransferSyntaxError,
} from '../src/index.js';
import { chunksOf, pydicomDataDir, REAL_FILES, runTool } from './pydicom.js';

interface Expected {
  transferSyntaxUid: string;
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  patientId: string | null;
  patientName: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  specificCharacterSet: string[];
}

describe('DataSetHeaderReader on the acceptance suite real-world files', () => {
  let dir: string;
  let expected: Record<string, Expected>;
  beforeAll(() => {
    dir = path.join(pydicomDataDir(), 'test_files');
    expected = runTool(
      'pydicom-headers.py',
      REAL_FILES.map((f) => path.join(dir, f)),
    );
  });

  const check = (file: string, header: DataSetHeader) => {
    const want = expected[path.join(dir, file)]!;
    expect(header.transferSyntaxUid, file).toBe(want.transferSyntaxUid);
    expect(header.sopClassUid, file).toBe(want.sopClassUid);
    expect(header.sopInstanceUid, file).toBe(want.sopInstanceUid);
    expect(header.patientId, file).toBe(want.patientId ?? undefined);
    expect(header.patientName, file).toBe(want.patientName ?? undefined);
    expect(header.studyInstanceUid, file).toBe(want.studyInstanceUid ?? undefined);
    expect(header.seriesInstanceUid, file).toBe(want.seriesInstanceUid ?? undefined);
    expect(header.specificCharacterSet, file).toEqual(want.specificCharacterSet);
    expect(header.complete, file).toBe(true);
  };

  it('covers one file per transfer syntax, big endian and deflated included', () => {
    const syntaxes = new Set(Object.values(expected).map((e) => e.transferSyntaxUid));
    expect(syntaxes).toContain(TransferSyntaxUid.ExplicitVrBigEndian);
    expect(syntaxes).toContain(TransferSyntaxUid.DeflatedExplicitVrLittleEndian);
    expect(syntaxes).toContain(TransferSyntaxUid.ImplicitVrLittleEndian);
    expect(syntaxes).toContain(TransferSyntaxUid.RleLossless);
    expect(Object.values(expected).every((e) => e.sopInstanceUid)).toBe(true);
  });

  it.each(REAL_FILES)('%s: whole data set', async (file) => {
    const bytes = readFileSync(path.join(dir, file));
    const split = parsePart10(bytes);
    check(file, await readDataSetHeader(bytes.subarray(split.dataSetOffset), split.transferSyntaxUid));
  });

  it.each(REAL_FILES)('%s: in small random chunks, stopping early', async (file) => {
    const bytes = readFileSync(path.join(dir, file));
    const split = parsePart10(bytes);
    const dataSet = bytes.subarray(split.dataSetOffset);
    for (const [seed, maxSize] of [
      [1, 1],
      [7, 13],
      [42, 257],
    ] as const) {
      const reader = new DataSetHeaderReader(split.transferSyntaxUid);
      let fed = 0;
      for (const chunk of chunksOf(dataSet, seed, maxSize)) {
        fed += chunk.length;
        if (await reader.push(chunk)) break;
      }
      const header = reader.complete ? reader.result() : await reader.end();
      check(file, header);
      if (!split.transferSyntaxUid.endsWith('.99')) {
        // It stops after the series-level attributes: never reads near the pixel data or the end.
        expect(header.bytesRead, file).toBeLessThan(dataSet.length);
      }
      if (file === 'waveform_ecg.dcm' || file === 'CT_small.dcm')
        expect(fed).toBeLessThan(dataSet.length / 2);
    }
  });

  it('reads through sequences of undefined length in implicit VR before the wanted tags', async () => {
    // (0008,1140) Referenced Image Sequence, undefined length, one undefined-length item holding
    // (0008,1155) UI, then (0010,0020) Patient ID.
    const le16 = (n: number) => [n & 0xff, n >> 8];
    const el = (g: number, e: number, value: string) => {
      const v = value.length % 2 ? `${value}\0` : value;
      return [...le16(g), ...le16(e), ...le16(v.length), 0, 0, ...Buffer.from(v, 'latin1')];
    };
    const undefinedLength = [0xff, 0xff, 0xff, 0xff];
    const bytes = Uint8Array.from([
      ...[0x08, 0x00, 0x40, 0x11, ...undefinedLength],
      ...[0xfe, 0xff, 0x00, 0xe0, ...undefinedLength],
      ...el(0x0008, 0x1155, '1.2.3'),
      ...[0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0],
      ...[0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0],
      ...el(0x0010, 0x0020, 'PID1'),
    ]);
    const header = await readDataSetHeader(bytes, TransferSyntaxUid.ImplicitVrLittleEndian);
    expect(header.patientId).toBe('PID1');
    expect(header.sopInstanceUid).toBeUndefined(); // the nested (0008,1155) is not top level
  });

  it('fails on truncated input and unknown transfer syntaxes', async () => {
    const bytes = readFileSync(path.join(dir, 'rtplan.dcm'));
    const split = parsePart10(bytes);
    const dataSet = bytes.subarray(split.dataSetOffset);
    await expect(readDataSetHeader(dataSet.subarray(0, 60), split.transferSyntaxUid)).rejects.toThrow(
      DicomParseError,
    );
    expect(() => new DataSetHeaderReader('1.2.3.4')).toThrow(UnsupportedTransferSyntaxError);
  });
});

describe('DataSetHeaderReader on deflated input', () => {
  it('reports a corrupt deflate stream instead of waiting forever', async () => {
    const reader = new DataSetHeaderReader(TransferSyntaxUid.DeflatedExplicitVrLittleEndian);
    await expect(reader.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).rejects.toThrow(
      /deflated data set is corrupt/,
    );
  });
});
