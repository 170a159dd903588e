import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CharacterSetError,
  decodeElementValue,
  decodeText,
  encodeText,
  parsePart10,
  readDataSetHeader,
  type Vr,
} from '../src/index.js';
import { runTool } from './pydicom.js';

interface PydicomText {
  path: (string | number)[];
  tag: string;
  vr: Vr;
  charset: string[];
  raw: string;
  decoded: string;
}
interface PydicomCharsets {
  pydicom: string;
  charsetDir: string;
  files: Record<string, PydicomText[]>;
}

/** What pydicom decodes PatientName to in its charset files (checked against the live output below). */
const PATIENT_NAMES: Record<string, string> = {
  'chrArab.dcm': 'قباني^لنزار',
  'chrFren.dcm': 'Buc^Jérôme',
  'chrFrenMulti.dcm': 'Buc^Jérôme',
  'chrGerm.dcm': 'Äneas^Rüdiger',
  'chrGreek.dcm': 'Διονυσιος',
  'chrH31.dcm': 'Yamada^Tarou=山田^太郎=やまだ^たろう',
  'chrH32.dcm': 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう',
  'chrHbrw.dcm': 'שרון^דבורה',
  'chrI2.dcm': 'Hong^Gildong=洪^吉洞=홍^길동',
  'chrJapMulti.dcm': 'やまだ^たろう',
  'chrJapMultiExplicitIR6.dcm': 'やまだ^たろう',
  'chrKoreanMulti.dcm': '김희중',
  'chrRuss.dcm': 'Люкceмбypг',
  'chrX1.dcm': 'Wang^XiaoDong=王^小東',
  'chrX2.dcm': 'Wang^XiaoDong=王^小东',
};

describe('Specific Character Set decoding against pydicom', () => {
  let expected: PydicomCharsets;
  beforeAll(() => {
    expected = runTool<PydicomCharsets>('pydicom-charsets.py');
  });

  it('covers the charset files', () => {
    for (const name of [...Object.keys(PATIENT_NAMES), 'chrSQEncoding.dcm', 'chrSQEncoding1.dcm']) {
      expect(expected.files[name]?.length, name).toBeGreaterThan(0);
    }
  });

  it('decodes every PN/LO/SH/LT/ST/UT/UC value of every charset file as pydicom does', () => {
    let checked = 0;
    for (const [file, elements] of Object.entries(expected.files)) {
      for (const e of elements) {
        const raw = Buffer.from(e.raw, 'hex');
        const values = decodeElementValue(raw, e.vr, true, e.charset) as string[];
        expect(
          values.join('\\'),
          `${file} ${e.path.join('/')} ${e.tag} ${e.vr} ${e.charset.join('\\')}`,
        ).toBe(e.decoded);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('reads PatientName from the top of each file with the header reader', () => {
    for (const [file, name] of Object.entries(PATIENT_NAMES)) {
      const fromPydicom = expected.files[file]!.find((e) => e.tag === '00100010' && e.path.length === 0);
      expect(fromPydicom?.decoded, file).toBe(name);
      const bytes = readFileSync(path.join(expected.charsetDir, file));
      const split = parsePart10(bytes);
      const header = readDataSetHeader(bytes.subarray(split.dataSetOffset), split.transferSyntaxUid);
      expect(header.patientName, file).toBe(name);
    }
  });
});

describe('decodeText', () => {
  const jis = (s: string) => Buffer.from(s, 'latin1');
  it('returns to the sets of value 1 at a value delimiter', () => {
    // ESC - L designates Cyrillic as G1 for the first value; after '\\' G1 is Latin-1 again.
    const bytes = Buffer.concat([jis('\x1b-L'), Uint8Array.of(0xc0, 0x5c, 0xe9)]);
    expect(decodeElementValue(bytes, 'LO', true, ['ISO 2022 IR 100', 'ISO 2022 IR 144'])).toEqual(['Р', 'é']);
  });
  it('does not treat 0x5E inside a two-byte JIS X 0208 character as a delimiter', () => {
    // 0x2D5E is a JIS X 0208 code (row 13): it must decode as one character, not split at '^'.
    const bytes = Buffer.concat([jis('\x1b$B'), Buffer.from([0x2d, 0x5e]), jis('\x1b(B')]);
    const decoded = decodeText(bytes, ['', 'ISO 2022 IR 87'], 'PN');
    expect(decoded).toHaveLength(1);
    expect(decoded).not.toContain('^');
  });
  it('decodes Latin-1 exactly, C1 range included', () => {
    expect(decodeText(Uint8Array.of(0xe9, 0x80), ['ISO_IR 100'])).toBe('é\u0080');
  });
  it('accepts sloppy spellings of terms', () => {
    expect(decodeText(Uint8Array.of(0xe9), ['ISO-IR 100'])).toBe('é');
    expect(decodeText(Uint8Array.of(0xe9), ['ISO_IR100'])).toBe('é');
  });
  it('splits multi-byte GB18030 values after decoding (0x5C can be a trail byte)', () => {
    // 0x91 0x5C is one GB18030 character (U+616D): its 0x5C is not a value delimiter.
    const bytes = Uint8Array.of(0x91, 0x5c, 0x5c, 0x41);
    expect(decodeElementValue(bytes, 'LO', true, ['GB18030'])).toEqual(['\u616d', 'A']);
  });
});

describe('encodeText', () => {
  it('encodes UTF-8 and Latin-1 and round-trips through decodeText', () => {
    for (const [charset, text] of [
      ['ISO_IR 192', 'Wang^XiaoDong=王^小東'],
      ['ISO_IR 100', 'Buc^Jérôme'],
      ['ISO_IR 144', 'Люкceмбypг'],
      ['', 'PLAIN^ASCII'],
    ] as const) {
      const bytes = encodeText(text, [charset]);
      expect(decodeText(bytes, [charset], 'PN')).toBe(text);
    }
    expect([...encodeText('é', ['ISO_IR 100'])]).toEqual([0xe9]);
    expect([...encodeText('é', ['ISO_IR 192'])]).toEqual([0xc3, 0xa9]);
  });
  it('refuses characters the set cannot hold', () => {
    expect(() => encodeText('é', [])).toThrow(CharacterSetError);
    expect(() => encodeText('王', ['ISO_IR 100'])).toThrow(CharacterSetError);
    expect(() => encodeText('x', ['ISO 2022 IR 87'])).toThrow(CharacterSetError);
  });
});
