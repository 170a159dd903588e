import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPart10,
  CharacterSetError,
  DicomEncodeError,
  decodeIdentifier,
  encodeIdentifier,
  type Identifier,
  SopClass,
  TransferSyntaxUid,
  UnsupportedTransferSyntaxError,
} from '../src/index.js';

const NATIVE = [
  ['implicit LE', TransferSyntaxUid.ImplicitVrLittleEndian, '+ti'],
  ['explicit LE', TransferSyntaxUid.ExplicitVrLittleEndian, '+te'],
  ['explicit BE', TransferSyntaxUid.ExplicitVrBigEndian, '+tb'],
  ['deflated', TransferSyntaxUid.DeflatedExplicitVrLittleEndian, '+td'],
] as const;

/** The identifier the DCMTK dump below describes. */
const STUDY_QUERY: Identifier = {
  SpecificCharacterSet: 'ISO_IR 100',
  QueryRetrieveLevel: 'STUDY',
  ModalitiesInStudy: ['CT', 'MR'],
  ReferencedStudySequence: [
    { ReferencedSOPClassUID: '1.2.840.10008.3.1.2.3.1', ReferencedSOPInstanceUID: '1.2.3.6' },
  ],
  PatientName: 'Müller^Jürgen',
  PatientID: 'PID-1',
  StudyInstanceUID: '1.2.3.4.5',
  NumberOfStudyRelatedInstances: 12,
  Rows: 512,
  WindowCenter: [40, 400],
};
// Window Center (0028,1050) is DS in the dictionary; the dump uses it as a two-valued DS.
const STUDY_DUMP = [
  '(0008,0005) CS [ISO_IR 100]',
  '(0008,0052) CS [STUDY]',
  '(0008,0061) CS [CT\\MR]',
  '(0008,1110) SQ (Sequence with undefined length #=1)',
  '(fffe,e000) na (Item with undefined length #=1)',
  '(0008,1150) UI [1.2.840.10008.3.1.2.3.1]',
  '(0008,1155) UI [1.2.3.6]',
  '(fffe,e00d) na (ItemDelimitationItem)',
  '(fffe,e0dd) na (SequenceDelimitationItem)',
  '(0010,0010) PN [Müller^Jürgen]',
  '(0010,0020) LO [PID-1]',
  '(0020,000d) UI [1.2.3.4.5]',
  '(0020,1208) IS [12]',
  '(0028,0010) US 512',
  '(0028,1050) DS [40\\400]',
  '',
].join('\n');

const dcmtk = (tool: string, args: string[]) =>
  execFileSync(tool, args, { encoding: 'latin1', env: { ...process.env, TCP_NODELAY: '1' } });

describe('identifiers', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'dicomesh-identifier-'));
    writeFileSync(path.join(work, 'study.dump'), Buffer.from(STUDY_DUMP, 'latin1'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(NATIVE)(
    'decodes what DCMTK dump2dcm writes in %s (undefined-length sequence)',
    (_name, ts, option) => {
      const out = path.join(work, `dcmtk${option}.bin`);
      dcmtk('dump2dcm', ['-F', option, '-e', path.join(work, 'study.dump'), out]);
      expect(decodeIdentifier(readFileSync(out), ts)).toEqual(STUDY_QUERY);
    },
  );

  it.each(NATIVE)('encodes in %s what dcmdump reads back', (_name, ts) => {
    const bytes = encodeIdentifier(STUDY_QUERY, ts);
    const file = path.join(work, `ours-${ts}.dcm`);
    writeFileSync(
      file,
      buildPart10(
        {
          sopClassUid: SopClass.StudyRootQueryRetrieveFind,
          sopInstanceUid: '1.2.3',
          transferSyntaxUid: ts,
          implementationClassUid: '1.2.3.4',
        },
        bytes,
      ),
    );
    // +U8 would convert; print raw Latin-1 bytes instead and compare them as Latin-1.
    const dump = dcmtk('dcmdump', ['-q', '+L', file]);
    for (const line of [
      '(0008,0052) CS [STUDY]',
      '(0008,0061) CS [CT\\MR]',
      '(0008,1155) UI [1.2.3.6]',
      '(0010,0010) PN [Müller^Jürgen]',
      '(0020,1208) IS [12]',
      '(0028,0010) US 512',
      '(0028,1050) DS [40\\400]',
    ]) {
      expect(dump, `${ts}: ${line}`).toContain(line);
    }
    expect(decodeIdentifier(bytes, ts)).toEqual(STUDY_QUERY);
  });

  it('writes the same bytes as DCMTK for explicit VR little endian with defined lengths', () => {
    const out = path.join(work, 'dcmtk-defined.bin');
    dcmtk('dump2dcm', ['-F', '+te', path.join(work, 'study.dump'), out]);
    expect(Buffer.from(encodeIdentifier(STUDY_QUERY, TransferSyntaxUid.ExplicitVrLittleEndian))).toEqual(
      readFileSync(out),
    );
  });

  it('writes empty values for universal matching, and private tags by hex key', () => {
    const bytes = encodeIdentifier(
      { QueryRetrieveLevel: 'PATIENT', PatientName: '', PatientID: null, '00091010': 'X' },
      TransferSyntaxUid.ImplicitVrLittleEndian,
      { vrs: { '00091010': 'LO' } },
    );
    // In implicit VR the private element's VR is unknown to the reader: its bytes come back.
    expect(decodeIdentifier(bytes, TransferSyntaxUid.ImplicitVrLittleEndian)).toEqual({
      QueryRetrieveLevel: 'PATIENT',
      PatientName: null,
      PatientID: null,
      '00091010': Uint8Array.from([0x58, 0x20]),
    });
    const explicit = encodeIdentifier({ '00091010': 'X' }, TransferSyntaxUid.ExplicitVrLittleEndian, {
      vrs: { '00091010': 'LO' },
    });
    expect(decodeIdentifier(explicit, TransferSyntaxUid.ExplicitVrLittleEndian)).toEqual({ '00091010': 'X' });
  });

  it('encodes text in the identifier character set, UTF-8 included', () => {
    const q = { SpecificCharacterSet: 'ISO_IR 192', PatientName: 'Wang^XiaoDong=王^小東' };
    const bytes = encodeIdentifier(q, TransferSyntaxUid.ExplicitVrLittleEndian);
    expect(Buffer.from(bytes).includes(Buffer.from('王^小東', 'utf8'))).toBe(true);
    expect(decodeIdentifier(bytes, TransferSyntaxUid.ExplicitVrLittleEndian)).toEqual(q);
    expect(() => encodeIdentifier({ PatientName: '王' }, TransferSyntaxUid.ExplicitVrLittleEndian)).toThrow(
      CharacterSetError,
    );
  });

  it('refuses what it cannot write', () => {
    const ts = TransferSyntaxUid.ExplicitVrLittleEndian;
    expect(() => encodeIdentifier({ NoSuchKeyword: 'x' }, ts)).toThrow(DicomEncodeError);
    expect(() => encodeIdentifier({ Rows: 'many' }, ts)).toThrow(DicomEncodeError);
    expect(() => encodeIdentifier({ StudyInstanceUID: '1.2.ü' }, ts)).toThrow(DicomEncodeError);
    expect(() => encodeIdentifier({ TransferSyntaxUID: '1.2' }, ts)).toThrow(DicomEncodeError);
    expect(() => encodeIdentifier({}, TransferSyntaxUid.JpegBaseline8Bit)).toThrow(
      UnsupportedTransferSyntaxError,
    );
  });
});
