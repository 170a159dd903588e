/**
 * Typed PDUs (PS3.8 9.3): a discriminated union on `type`. Items of A-ASSOCIATE-RQ/AC are decoded into
 * named fields; unknown items and sub-items are skipped on decode (PS3.8 9.3.1) and never encoded.
 */
import type { PresentationDataValue } from './association-api.js';
import type { PduType } from './pdu-type.js';

export interface PresentationContextRqItem {
  readonly id: number;
  readonly abstractSyntax: string;
  readonly transferSyntaxes: readonly string[];
}

export interface PresentationContextAcItem {
  readonly id: number;
  /** PS3.8 Table 9-18: 0 acceptance .. 4 transfer-syntaxes-not-supported. */
  readonly result: number;
  /** Empty when the AC item carried no transfer syntax sub-item (allowed when result is not 0). */
  readonly transferSyntax: string;
}

export interface RoleSelectionItem {
  readonly sopClassUid: string;
  readonly scu: boolean;
  readonly scp: boolean;
}

export interface ExtendedNegotiationItem {
  readonly sopClassUid: string;
  readonly info: Buffer;
}

export interface CommonExtendedNegotiationItem {
  readonly sopClassUid: string;
  readonly serviceClassUid: string;
  readonly relatedGeneralSopClassUids: readonly string[];
}

export interface UserIdentityRqItem {
  readonly type: number;
  readonly positiveResponseRequested: boolean;
  readonly primaryField: Buffer;
  readonly secondaryField: Buffer;
}

/** User information item (PS3.8 9.3.2.3, PS3.7 D.3.3). Absent optional sub-items are undefined/empty. */
export interface UserInformation {
  /** 0x51: 0 means no limit; undefined when the sub-item was absent. */
  readonly maxLength?: number;
  readonly implementationClassUid?: string;
  readonly implementationVersionName?: string;
  readonly asyncOperationsWindow?: {
    readonly maxOperationsInvoked: number;
    readonly maxOperationsPerformed: number;
  };
  readonly roleSelection: readonly RoleSelectionItem[];
  readonly extendedNegotiation: readonly ExtendedNegotiationItem[];
  /** 0x57: RQ only. */
  readonly commonExtendedNegotiation: readonly CommonExtendedNegotiationItem[];
  /** 0x58: RQ only. */
  readonly userIdentity?: UserIdentityRqItem;
  /** 0x59: AC only, the server response. */
  readonly userIdentityResponse?: Buffer;
}

interface AssociateFields {
  /** Bit 0 set: version 1 (the only one). */
  readonly protocolVersion: number;
  readonly calledAeTitle: string;
  readonly callingAeTitle: string;
  readonly applicationContext: string;
  readonly userInformation: UserInformation;
}

export interface AssociateRqPdu extends AssociateFields {
  readonly type: typeof PduType.AssociateRq;
  readonly presentationContexts: readonly PresentationContextRqItem[];
}

export interface AssociateAcPdu extends AssociateFields {
  readonly type: typeof PduType.AssociateAc;
  readonly presentationContexts: readonly PresentationContextAcItem[];
}

export interface AssociateRjPdu {
  readonly type: typeof PduType.AssociateRj;
  readonly result: number;
  readonly source: number;
  readonly reason: number;
}

export interface PDataTfPdu {
  readonly type: typeof PduType.PDataTf;
  readonly pdvs: readonly PresentationDataValue[];
}

export interface ReleaseRqPdu {
  readonly type: typeof PduType.ReleaseRq;
}

export interface ReleaseRpPdu {
  readonly type: typeof PduType.ReleaseRp;
}

export interface AbortPdu {
  readonly type: typeof PduType.Abort;
  readonly source: number;
  readonly reason: number;
}

export type Pdu =
  | AssociateRqPdu
  | AssociateAcPdu
  | AssociateRjPdu
  | PDataTfPdu
  | ReleaseRqPdu
  | ReleaseRpPdu
  | AbortPdu;

export function emptyUserInformation(): UserInformation {
  return { roleSelection: [], extendedNegotiation: [], commonExtendedNegotiation: [] };
}
