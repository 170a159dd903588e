/**
 * Which attributes the index keeps at the patient, study and series levels (the rest stay with the
 * instance): the Patient Root / Study Root key attributes of PS3.4 C.6 and the common optional ones,
 * as DICOM JSON tags.
 */
export const LEVEL_ATTRIBUTES = {
  patient: [
    '00100010', // Patient's Name
    '00100020', // Patient ID
    '00100021', // Issuer of Patient ID
    '00100024', // Issuer of Patient ID Qualifiers Sequence
    '00100030', // Patient's Birth Date
    '00100032', // Patient's Birth Time
    '00100040', // Patient's Sex
    '00101000', // Other Patient IDs
    '00101001', // Other Patient Names
    '00101002', // Other Patient IDs Sequence
    '00102160', // Ethnic Group
    '00104000', // Patient Comments
  ],
  study: [
    '00080020', // Study Date
    '00080030', // Study Time
    '00080050', // Accession Number
    '00080051', // Issuer of Accession Number Sequence
    '00080090', // Referring Physician's Name
    '00081030', // Study Description
    '00081032', // Procedure Code Sequence
    '00081060', // Name of Physician(s) Reading Study
    '00081080', // Admitting Diagnoses Description
    '00101010', // Patient's Age
    '00101020', // Patient's Size
    '00101030', // Patient's Weight
    '00102180', // Occupation
    '001021B0', // Additional Patient History
    '0020000D', // Study Instance UID
    '00200010', // Study ID
    '00321060', // Requested Procedure Description
  ],
  series: [
    '00080021', // Series Date
    '00080031', // Series Time
    '00080060', // Modality
    '00081010', // Station Name
    '0008103E', // Series Description
    '00081050', // Performing Physician's Name
    '00081070', // Operators' Name
    '00081111', // Referenced Performed Procedure Step Sequence
    '00180015', // Body Part Examined
    '00185100', // Patient Position
    '0020000E', // Series Instance UID
    '00200011', // Series Number
    '00200060', // Laterality
    '00400244', // Performed Procedure Step Start Date
    '00400245', // Performed Procedure Step Start Time
    '00400275', // Request Attributes Sequence
  ],
} as const;
export type IndexLevel = keyof typeof LEVEL_ATTRIBUTES;

/** The attributes of `level` found in an instance's DICOM JSON. */
export function pickLevelAttributes(
  attributes: Readonly<Record<string, unknown>>,
  level: IndexLevel,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const tag of LEVEL_ATTRIBUTES[level]) {
    const value = attributes[tag] ?? attributes[tag.toLowerCase()];
    if (value !== undefined) picked[tag] = value;
  }
  return picked;
}
