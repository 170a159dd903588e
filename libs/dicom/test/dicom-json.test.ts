import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DicomJson,
  fromDicomJson,
  HEADER_KEYWORDS,
  type Identifier,
  parsePart10,
  readDataSetHeader,
  toDicomJson,
} from '../src/index.js';
import { pydicomDataDir, REAL_FILES, runTool } from './pydicom.js';

describe('DICOM JSON Model (PS3.18 F.2)', () => {
  it('matches pydicom to_json_dict for the header attributes of the real-world files', async () => {
    const dir = path.join(pydicomDataDir(), 'test_files');
    const files = REAL_FILES.map((f) => path.join(dir, f));
    const expected = runTool<Record<string, DicomJson>>('pydicom-json.py', [
      HEADER_KEYWORDS.join(','),
      ...files,
    ]);
    for (const file of files) {
      const bytes = readFileSync(file);
      const split = parsePart10(bytes);
      const header = await readDataSetHeader(bytes.subarray(split.dataSetOffset), split.transferSyntaxUid);
      const json = toDicomJson(header.attributes as Identifier);
      expect(Object.keys(expected[file]!).length, file).toBeGreaterThan(8);
      expect(json, file).toEqual(expected[file]);
      expect(toDicomJson(fromDicomJson(json)), file).toEqual(json);
    }
  });

  it('writes person names by component group, sequences, binary and empty values', () => {
    const json = toDicomJson({
      PatientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう',
      ReferringPhysicianName: null,
      ReferencedStudySequence: [{ ReferencedSOPInstanceUID: '1.2.3' }],
      '00091010': Uint8Array.of(1, 2, 3, 4),
    });
    expect(json).toEqual({
      '00081110': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3'] } }] },
      '00080090': { vr: 'PN' },
      '00091010': { vr: 'UN', InlineBinary: 'AQIDBA==' },
      '00100010': {
        vr: 'PN',
        Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }],
      },
    });
    expect(Object.keys(json)).toEqual(['00080090', '00081110', '00091010', '00100010']);
  });
});
