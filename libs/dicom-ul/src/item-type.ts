/** Variable item types of A-ASSOCIATE-RQ/AC (PS3.8 9.3.2-9.3.3) and user-information sub-items (PS3.7 Annex D.3.3). */
export const ItemType = {
  ApplicationContext: 0x10,
  PresentationContextRq: 0x20,
  PresentationContextAc: 0x21,
  AbstractSyntax: 0x30,
  TransferSyntax: 0x40,
  UserInformation: 0x50,
  MaximumLength: 0x51,
  ImplementationClassUid: 0x52,
  AsynchronousOperationsWindow: 0x53,
  RoleSelection: 0x54,
  ImplementationVersionName: 0x55,
  SopClassExtendedNegotiation: 0x56,
  SopClassCommonExtendedNegotiation: 0x57,
  UserIdentityRq: 0x58,
  UserIdentityAc: 0x59,
} as const;
export type ItemType = (typeof ItemType)[keyof typeof ItemType];

/** Items and sub-items share a 4-byte header: type, reserved, 16-bit big-endian length. */
export const ITEM_HEADER_LENGTH = 4;

/** DICOM Application Context Name (PS3.7 Annex A.2.1). */
export const DICOM_APPLICATION_CONTEXT_NAME = '1.2.840.10008.3.1.1.1';

/** User identity types (PS3.7 Table D.3-14). */
export const UserIdentityType = {
  Username: 1,
  UsernameAndPasscode: 2,
  KerberosServiceTicket: 3,
  SamlAssertion: 4,
  JsonWebToken: 5,
} as const;
export type UserIdentityType = (typeof UserIdentityType)[keyof typeof UserIdentityType];
