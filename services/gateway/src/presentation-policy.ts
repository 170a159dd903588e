/**
 * Which abstract syntaxes the gateway accepts, and in which transfer syntaxes (our preference order).
 * Today: Verification. Storage, Query/Retrieve contexts join with their services.
 */
import { VerificationSopClass } from '@dicomesh/dimse';

/** The uncompressed transfer syntaxes, best first: explicit little endian, implicit, explicit big endian. */
export const UNCOMPRESSED_TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.2',
] as const;

const ACCEPTED: ReadonlyMap<string, readonly string[]> = new Map([
  [VerificationSopClass, UNCOMPRESSED_TRANSFER_SYNTAXES],
]);

/** The acceptor's `transferSyntaxesFor`: undefined answers "abstract syntax not supported" (result 3). */
export function transferSyntaxesFor(abstractSyntax: string): readonly string[] | undefined {
  return ACCEPTED.get(abstractSyntax);
}
