/** Test helper: build and read small identifiers with the package's minimal data set helper. */
import { encodeFlatDataSet, readTopLevel, stringValue } from './minimal-dataset.js';

export const Tag = {
  SpecificCharacterSet: 0x00080005,
  SopClassUid: 0x00080016,
  SopInstanceUid: 0x00080018,
  QueryRetrieveLevel: 0x00080052,
  PatientName: 0x00100010,
  PatientId: 0x00100020,
  StudyInstanceUid: 0x0020000d,
  SeriesInstanceUid: 0x0020000e,
  StudyDate: 0x00080020,
  AccessionNumber: 0x00080050,
  Modality: 0x00080060,
  StudyId: 0x00200010,
} as const;

const VR: Record<number, string> = {
  [Tag.SpecificCharacterSet]: 'CS',
  [Tag.SopClassUid]: 'UI',
  [Tag.SopInstanceUid]: 'UI',
  [Tag.QueryRetrieveLevel]: 'CS',
  [Tag.PatientName]: 'PN',
  [Tag.PatientId]: 'LO',
  [Tag.StudyInstanceUid]: 'UI',
  [Tag.SeriesInstanceUid]: 'UI',
  [Tag.StudyDate]: 'DA',
  [Tag.AccessionNumber]: 'SH',
  [Tag.Modality]: 'CS',
  [Tag.StudyId]: 'SH',
};

export const knownVr = (tag: number): string | undefined => VR[tag];

export function identifier(values: Record<number, string>, transferSyntaxUid: string): Buffer {
  return encodeFlatDataSet(
    Object.entries(values).map(([tag, value]) => ({ tag: Number(tag), vr: VR[Number(tag)] ?? 'LO', value })),
    transferSyntaxUid,
  );
}

export function readIdentifier(bytes: Buffer, transferSyntaxUid: string): Record<number, string> {
  const els = readTopLevel(bytes, transferSyntaxUid);
  const out: Record<number, string> = {};
  for (const tag of els.keys()) {
    const v = stringValue(els, tag);
    if (v !== undefined) out[tag] = v;
  }
  return out;
}
