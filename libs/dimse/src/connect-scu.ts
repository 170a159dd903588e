/**
 * Open an association as an SCU with the presentation contexts and roles a DIMSE client needs, and wrap it
 * in a DimseClient. Helpers build the usual context lists (verification, query/retrieve, storage).
 */
import type { ConnectionOptions } from 'node:tls';
import { requestAssociation } from '@dicomesh/dicom-ul';
import { DimseClient } from './dimse-client.js';
import type { DimseLogger } from './dimse-logger.js';
import { QueryRetrieveSopClass, STORAGE_SOP_CLASSES, VerificationSopClass } from './sop-classes.js';

export const DEFAULT_TRANSFER_SYNTAXES = ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2'] as const;

export interface ScuContext {
  readonly abstractSyntax: string;
  readonly transferSyntaxes: readonly string[];
}

export interface ScuRole {
  readonly sopClassUid: string;
  readonly scu: boolean;
  readonly scp: boolean;
}

export interface ConnectScuOptions {
  readonly host: string;
  readonly port: number;
  readonly callingAeTitle: string;
  readonly calledAeTitle: string;
  readonly contexts: readonly ScuContext[];
  /** SCP/SCU role selection, e.g. SCP role for storage SOP classes before a C-GET. */
  readonly roles?: readonly ScuRole[];
  readonly maxPduLength?: number;
  /** Asynchronous operations window to propose (operations we may invoke at once); default: not proposed (1). */
  readonly maxOperationsInvoked?: number;
  /** DICOM TLS: the association goes over TLS with these options (see the UL's RequestOptions.tls). */
  readonly tls?: ConnectionOptions;
  readonly logger?: DimseLogger;
}

/** Request an association and return a DimseClient over it. Rejects with the UL's AssociationRejectedError. */
export async function connectScu(options: ConnectScuOptions): Promise<DimseClient> {
  const association = await requestAssociation({
    host: options.host,
    port: options.port,
    callingAeTitle: options.callingAeTitle,
    calledAeTitle: options.calledAeTitle,
    presentationContexts: options.contexts.map((c) => ({
      abstractSyntax: c.abstractSyntax,
      transferSyntaxes: [...c.transferSyntaxes],
    })),
    ...(options.roles ? { roleSelection: options.roles.map((r) => ({ ...r })) } : {}),
    ...(options.maxPduLength !== undefined ? { maxPduLength: options.maxPduLength } : {}),
    ...(options.maxOperationsInvoked !== undefined
      ? { maxOperationsInvoked: options.maxOperationsInvoked }
      : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
  });
  return new DimseClient(association, options.logger ? { logger: options.logger } : {});
}

export const verificationContext = (): ScuContext => ({
  abstractSyntax: VerificationSopClass,
  transferSyntaxes: [...DEFAULT_TRANSFER_SYNTAXES],
});

/** Find, move and get contexts of the Patient Root and Study Root models. */
export const queryRetrieveContexts = (
  transferSyntaxes: readonly string[] = DEFAULT_TRANSFER_SYNTAXES,
): ScuContext[] =>
  [
    QueryRetrieveSopClass.PatientRootFind,
    QueryRetrieveSopClass.PatientRootMove,
    QueryRetrieveSopClass.PatientRootGet,
    QueryRetrieveSopClass.StudyRootFind,
    QueryRetrieveSopClass.StudyRootMove,
    QueryRetrieveSopClass.StudyRootGet,
  ].map((abstractSyntax) => ({ abstractSyntax, transferSyntaxes: [...transferSyntaxes] }));

/**
 * Storage contexts: one per (SOP class, transfer syntax) pair, so each instance goes in its own transfer
 * syntax (the acceptor picks one transfer syntax per context). Keep the total under 128 contexts.
 */
export const storageContexts = (
  sopClasses: readonly string[] = STORAGE_SOP_CLASSES,
  transferSyntaxes: readonly string[] = DEFAULT_TRANSFER_SYNTAXES,
): ScuContext[] =>
  sopClasses.flatMap((abstractSyntax) =>
    transferSyntaxes.map((ts) => ({ abstractSyntax, transferSyntaxes: [ts] })),
  );

/** SCP role for these storage SOP classes, as a C-GET requires. */
export const storageScpRoles = (sopClasses: readonly string[]): ScuRole[] =>
  sopClasses.map((sopClassUid) => ({ sopClassUid, scu: true, scp: true }));
