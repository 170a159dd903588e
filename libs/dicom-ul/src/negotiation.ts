/**
 * A-ASSOCIATE negotiation (PS3.8 9.3.2-9.3.3, PS3.7 Annex D.3.3): the acceptor's answer to an RQ, and the agreed
 * association computed from an RQ and its AC (the same function on both sides, so both agree by construction).
 */
import type { NegotiatedAssociation, NegotiatedPresentationContext } from './association-api.js';
import { PresentationContextResult } from './association-api.js';
import { DICOM_APPLICATION_CONTEXT_NAME } from './item-type.js';
import type {
  AssociateAcPdu,
  AssociateRjPdu,
  AssociateRqPdu,
  ExtendedNegotiationItem,
  PresentationContextAcItem,
  RoleSelectionItem,
  UserInformation,
} from './pdu.js';
import { PduType } from './pdu-type.js';
import { RejectReason, RejectResult, RejectSource } from './reject-codes.js';

export interface AcceptorPolicy {
  readonly aeTitle: string;
  readonly allowedCallingAeTitles?: readonly string[];
  readonly transferSyntaxesFor: (abstractSyntax: string) => readonly string[] | undefined;
  /**
   * Which transfer syntax to accept among the proposed ones that `transferSyntaxesFor` allows. Default:
   * the first of the acceptor's list. A store-as-received archive prefers the requestor's order instead.
   */
  readonly transferSyntaxPreference?: TransferSyntaxPreference;
  readonly selectRole?: (
    abstractSyntax: string,
    proposed: { scu: boolean; scp: boolean },
  ) => { scu: boolean; scp: boolean };
  readonly extendedNegotiation?: (sopClassUid: string, info: Buffer) => Buffer | undefined;
  readonly maxPduLength: number;
  readonly maxOperationsPerformed: number;
  readonly implementationClassUid: string;
  readonly implementationVersionName?: string;
}

/** Whose order decides among the transfer syntaxes both sides support. */
export const TransferSyntaxPreference = { Acceptor: 'acceptor', Requestor: 'requestor' } as const;
export type TransferSyntaxPreference =
  (typeof TransferSyntaxPreference)[keyof typeof TransferSyntaxPreference];

export function rejectPdu(result: number, source: number, reason: number): AssociateRjPdu {
  return { type: PduType.AssociateRj, result, source, reason };
}

/** PS3.7 D.3.3.3: 0 means unlimited, so the smaller of two windows treats 0 as infinity. */
export function minWindow(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

/** The acceptor's decision on an A-ASSOCIATE-RQ: an AC or an RJ PDU. */
export function negotiateAsAcceptor(
  rq: AssociateRqPdu,
  policy: AcceptorPolicy,
): AssociateAcPdu | AssociateRjPdu {
  if (rq.calledAeTitle !== policy.aeTitle) {
    return rejectPdu(
      RejectResult.Permanent,
      RejectSource.ServiceUser,
      RejectReason.CalledAeTitleNotRecognized,
    );
  }
  if (policy.allowedCallingAeTitles && !policy.allowedCallingAeTitles.includes(rq.callingAeTitle)) {
    return rejectPdu(
      RejectResult.Permanent,
      RejectSource.ServiceUser,
      RejectReason.CallingAeTitleNotRecognized,
    );
  }
  if (rq.applicationContext !== DICOM_APPLICATION_CONTEXT_NAME) {
    return rejectPdu(
      RejectResult.Permanent,
      RejectSource.ServiceUser,
      RejectReason.ApplicationContextNameNotSupported,
    );
  }
  const rqUi = rq.userInformation;
  const roleAnswers = new Map<string, RoleSelectionItem>();
  for (const proposed of rqUi.roleSelection) {
    if (roleAnswers.has(proposed.sopClassUid)) continue;
    const wanted =
      policy.selectRole?.(proposed.sopClassUid, { scu: proposed.scu, scp: proposed.scp }) ?? proposed;
    // The acceptor may only accept what was proposed (PS3.7 D.3.3.4).
    roleAnswers.set(proposed.sopClassUid, {
      sopClassUid: proposed.sopClassUid,
      scu: wanted.scu && proposed.scu,
      scp: wanted.scp && proposed.scp,
    });
  }
  const contexts: PresentationContextAcItem[] = rq.presentationContexts.map((pc) => {
    const fallback = pc.transferSyntaxes[0] ?? '';
    const acceptable = policy.transferSyntaxesFor(pc.abstractSyntax);
    if (acceptable === undefined) {
      return {
        id: pc.id,
        result: PresentationContextResult.AbstractSyntaxNotSupported,
        transferSyntax: fallback,
      };
    }
    const chosen =
      policy.transferSyntaxPreference === TransferSyntaxPreference.Requestor
        ? pc.transferSyntaxes.find((ts) => acceptable.includes(ts))
        : acceptable.find((ts) => pc.transferSyntaxes.includes(ts));
    if (chosen === undefined) {
      return {
        id: pc.id,
        result: PresentationContextResult.TransferSyntaxesNotSupported,
        transferSyntax: fallback,
      };
    }
    const role = roleAnswers.get(pc.abstractSyntax);
    if (role && !role.scu && !role.scp) {
      // Neither role left: the context cannot be used (as pynetdicom decides); user rejection.
      return { id: pc.id, result: PresentationContextResult.UserRejection, transferSyntax: fallback };
    }
    return { id: pc.id, result: PresentationContextResult.Acceptance, transferSyntax: chosen };
  });
  const extendedNegotiation: ExtendedNegotiationItem[] = [];
  for (const ext of rqUi.extendedNegotiation) {
    const info = policy.extendedNegotiation?.(ext.sopClassUid, ext.info);
    if (info) extendedNegotiation.push({ sopClassUid: ext.sopClassUid, info });
  }
  const userInformation: UserInformation = {
    maxLength: policy.maxPduLength,
    implementationClassUid: policy.implementationClassUid,
    ...(rqUi.asyncOperationsWindow
      ? {
          asyncOperationsWindow: {
            maxOperationsInvoked: minWindow(
              rqUi.asyncOperationsWindow.maxOperationsInvoked,
              policy.maxOperationsPerformed,
            ),
            // We invoke operations on the requestor (C-GET sub-operations) one at a time.
            maxOperationsPerformed: minWindow(rqUi.asyncOperationsWindow.maxOperationsPerformed, 1),
          },
        }
      : {}),
    roleSelection: [...roleAnswers.values()],
    ...(policy.implementationVersionName
      ? { implementationVersionName: policy.implementationVersionName }
      : {}),
    extendedNegotiation,
    commonExtendedNegotiation: [],
  };
  return {
    type: PduType.AssociateAc,
    protocolVersion: 1,
    calledAeTitle: rq.calledAeTitle,
    callingAeTitle: rq.callingAeTitle,
    applicationContext: DICOM_APPLICATION_CONTEXT_NAME,
    presentationContexts: contexts,
    userInformation,
  };
}

/**
 * The agreement an RQ and its AC make. `side` decides which maximum length is the peer's:
 * the acceptor's peer announced its limit in the RQ, the requestor's in the AC.
 */
export function negotiatedAssociation(
  rq: AssociateRqPdu,
  ac: AssociateAcPdu,
  side: 'acceptor' | 'requestor',
  localMaxPduLength: number,
): NegotiatedAssociation {
  const rqRoles = new Map(rq.userInformation.roleSelection.map((r) => [r.sopClassUid, r]));
  const acRoles = new Map(ac.userInformation.roleSelection.map((r) => [r.sopClassUid, r]));
  const answered = new Map(ac.presentationContexts.map((pc) => [pc.id, pc]));
  const contexts = new Map<number, NegotiatedPresentationContext>();
  for (const pc of rq.presentationContexts) {
    const answer = answered.get(pc.id);
    const proposedRole = rqRoles.get(pc.abstractSyntax);
    const acceptedRole = acRoles.get(pc.abstractSyntax);
    // PS3.7 D.3.3.4: without both items the default roles apply (requestor SCU, acceptor SCP).
    const roles =
      proposedRole && acceptedRole
        ? { scu: proposedRole.scu && acceptedRole.scu, scp: proposedRole.scp && acceptedRole.scp }
        : { scu: true, scp: false };
    contexts.set(pc.id, {
      id: pc.id,
      abstractSyntax: pc.abstractSyntax,
      // A context the AC does not mention was not accepted (PS3.8 9.3.3.2: "no reason").
      result: (answer?.result ?? PresentationContextResult.NoReason) as PresentationContextResult,
      transferSyntax: answer?.result === PresentationContextResult.Acceptance ? answer.transferSyntax : '',
      requestorIsScu: roles.scu,
      requestorIsScp: roles.scp,
    });
  }
  const rqUi = rq.userInformation;
  const acUi = ac.userInformation;
  const peerUi = side === 'acceptor' ? rqUi : acUi;
  return {
    callingAeTitle: rq.callingAeTitle,
    calledAeTitle: rq.calledAeTitle,
    contexts,
    peerMaxPduLength: peerUi.maxLength ?? 0,
    localMaxPduLength,
    maxOperationsInvoked: acUi.asyncOperationsWindow?.maxOperationsInvoked ?? 1,
    maxOperationsPerformed: acUi.asyncOperationsWindow?.maxOperationsPerformed ?? 1,
    peerImplementationClassUid: peerUi.implementationClassUid ?? '',
    ...(peerUi.implementationVersionName
      ? { peerImplementationVersionName: peerUi.implementationVersionName }
      : {}),
    extendedNegotiation: new Map(acUi.extendedNegotiation.map((e) => [e.sopClassUid, e.info])),
    ...(rqUi.userIdentity
      ? {
          userIdentity: {
            type: rqUi.userIdentity.type,
            primaryField: rqUi.userIdentity.primaryField,
            secondaryField: rqUi.userIdentity.secondaryField,
            positiveResponseRequested: rqUi.userIdentity.positiveResponseRequested,
          },
        }
      : {}),
  };
}
