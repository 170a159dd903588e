/** PDU types (PS3.8 Table 9-11 and 9.3.1). */
export const PduType = {
  AssociateRq: 0x01,
  AssociateAc: 0x02,
  AssociateRj: 0x03,
  PDataTf: 0x04,
  ReleaseRq: 0x05,
  ReleaseRp: 0x06,
  Abort: 0x07,
} as const;
export type PduType = (typeof PduType)[keyof typeof PduType];

/** The PS3.8 names of the PDU types, for errors and logs. */
export const PDU_TYPE_NAMES: Readonly<Record<PduType, string>> = {
  [PduType.AssociateRq]: 'A-ASSOCIATE-RQ',
  [PduType.AssociateAc]: 'A-ASSOCIATE-AC',
  [PduType.AssociateRj]: 'A-ASSOCIATE-RJ',
  [PduType.PDataTf]: 'P-DATA-TF',
  [PduType.ReleaseRq]: 'A-RELEASE-RQ',
  [PduType.ReleaseRp]: 'A-RELEASE-RP',
  [PduType.Abort]: 'A-ABORT',
};

export function isPduType(value: number): value is PduType {
  return value >= PduType.AssociateRq && value <= PduType.Abort;
}

/** Every PDU starts with a 6-byte header: type, reserved, 32-bit big-endian length of what follows. */
export const PDU_HEADER_LENGTH = 6;
