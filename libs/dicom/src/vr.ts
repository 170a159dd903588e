/** Value Representations of PS3.5 Table 6.2-1. */
export const Vr = {
  AE: 'AE',
  AS: 'AS',
  AT: 'AT',
  CS: 'CS',
  DA: 'DA',
  DS: 'DS',
  DT: 'DT',
  FD: 'FD',
  FL: 'FL',
  IS: 'IS',
  LO: 'LO',
  LT: 'LT',
  OB: 'OB',
  OD: 'OD',
  OF: 'OF',
  OL: 'OL',
  OV: 'OV',
  OW: 'OW',
  PN: 'PN',
  SH: 'SH',
  SL: 'SL',
  SQ: 'SQ',
  SS: 'SS',
  ST: 'ST',
  SV: 'SV',
  TM: 'TM',
  UC: 'UC',
  UI: 'UI',
  UL: 'UL',
  UN: 'UN',
  UR: 'UR',
  US: 'US',
  UT: 'UT',
  UV: 'UV',
} as const;
export type Vr = (typeof Vr)[keyof typeof Vr];

/** VRs whose explicit-VR encoding has 2 reserved bytes and a 32-bit length (PS3.5 7.1.2). */
const LONG_LENGTH_VRS: ReadonlySet<Vr> = new Set<Vr>([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'SV',
  'UC',
  'UN',
  'UR',
  'UT',
  'UV',
]);

/** Text VRs whose values are decoded with the Specific Character Set (PS3.5 6.1.2.3). */
const CHARSET_VRS: ReadonlySet<Vr> = new Set<Vr>(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);

/** Text VRs that hold a single value (no backslash splitting). */
const SINGLE_VALUE_TEXT_VRS: ReadonlySet<Vr> = new Set<Vr>(['LT', 'ST', 'UT', 'UR']);

/** String VRs (padded to even length with a space, or NUL for UI). */
const STRING_VRS: ReadonlySet<Vr> = new Set<Vr>([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);

export function isVr(value: string): value is Vr {
  return Object.hasOwn(Vr, value);
}
export function hasLongLength(vr: Vr): boolean {
  return LONG_LENGTH_VRS.has(vr);
}
export function usesCharacterSet(vr: Vr): boolean {
  return CHARSET_VRS.has(vr);
}
export function isSingleValueText(vr: Vr): boolean {
  return SINGLE_VALUE_TEXT_VRS.has(vr);
}
export function isStringVr(vr: Vr): boolean {
  return STRING_VRS.has(vr);
}
