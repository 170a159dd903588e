/**
 * Which abstract syntaxes the gateway accepts, and in which transfer syntaxes. Storage SOP classes are
 * accepted in every transfer syntax we know and stored as received; the modality's order decides
 * (`TransferSyntaxPreference.Requestor`), so it is never pushed to its lossy second choice.
 */
import {
  isStorageSopClass,
  isValidUid,
  QUERY_RETRIEVE_SOP_CLASSES,
  TRANSFER_SYNTAXES,
} from '@dicomesh/dicom';
import { QueryRetrieveSopClass, VerificationSopClass } from '@dicomesh/dimse';

/** The uncompressed transfer syntaxes: explicit little endian, implicit, explicit big endian. */
export const UNCOMPRESSED_TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.2',
] as const;

/** Every transfer syntax we can store as received. */
const STORABLE_TRANSFER_SYNTAXES: readonly string[] = TRANSFER_SYNTAXES.map((ts) => ts.uid);

/** C-FIND information models the query service answers (PS3.4 C.6.1, C.6.2): identifiers are small, uncompressed. */
const FIND_SOP_CLASSES: ReadonlySet<string> = new Set([
  QueryRetrieveSopClass.PatientRootFind,
  QueryRetrieveSopClass.StudyRootFind,
]);

/** C-MOVE and C-GET information models the retrieve service serves (PS3.4 C.6.1, C.6.2): identifiers are small. */
const RETRIEVE_SOP_CLASSES: ReadonlySet<string> = new Set([
  QueryRetrieveSopClass.PatientRootMove,
  QueryRetrieveSopClass.PatientRootGet,
  QueryRetrieveSopClass.StudyRootMove,
  QueryRetrieveSopClass.StudyRootGet,
]);

export interface PresentationPolicyOptions {
  /** Accept abstract syntaxes we do not know as storage (private SOP classes). */
  readonly acceptUnknownSopClasses: boolean;
}

const NON_STORAGE = new Set<string>([
  VerificationSopClass,
  ...Object.values(QUERY_RETRIEVE_SOP_CLASSES).flat(),
]);

/** The acceptor's `transferSyntaxesFor`: undefined answers "abstract syntax not supported" (result 3). */
export function presentationPolicy(options: PresentationPolicyOptions) {
  return (abstractSyntax: string): readonly string[] | undefined => {
    if (abstractSyntax === VerificationSopClass) return UNCOMPRESSED_TRANSFER_SYNTAXES;
    if (FIND_SOP_CLASSES.has(abstractSyntax)) return UNCOMPRESSED_TRANSFER_SYNTAXES;
    if (RETRIEVE_SOP_CLASSES.has(abstractSyntax)) return UNCOMPRESSED_TRANSFER_SYNTAXES;
    if (isStorageSopClass(abstractSyntax)) return STORABLE_TRANSFER_SYNTAXES;
    if (options.acceptUnknownSopClasses && isValidUid(abstractSyntax) && !NON_STORAGE.has(abstractSyntax)) {
      return STORABLE_TRANSFER_SYNTAXES;
    }
    return undefined;
  };
}
