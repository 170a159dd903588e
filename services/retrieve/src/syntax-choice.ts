/**
 * Which transfer syntax each object travels in. Objects go as stored whenever the peer accepted that
 * syntax for their SOP class; otherwise they are converted between native (uncompressed) syntaxes when
 * both sides are native, and otherwise their sub-operation fails.
 */
import { canTranscode } from '@dicomesh/dicom';
import type { ScuContext } from '@dicomesh/dimse';

/** Explicit VR Little Endian, Implicit VR Little Endian, Explicit VR Big Endian: what every peer takes. */
export const UNCOMPRESSED_TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.2',
] as const;

/** PS3.8 9.3.2.2: presentation context IDs are odd numbers 1..255, so at most 128 contexts. */
export const MAX_PRESENTATION_CONTEXTS = 128;

/** An accepted (SOP class, transfer syntax) pair on which an object may be sent. */
export interface AcceptedSyntax {
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
}

interface StoredPair {
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
}

/**
 * The contexts to propose for these objects: each stored syntax of each SOP class in its own context
 * first (so the acceptor cannot pick another), then per SOP class one context offering the uncompressed
 * syntaxes where a stored syntax can be converted to them. At most 128 in all, stored syntaxes first.
 */
export function proposedContexts(objects: readonly StoredPair[]): ScuContext[] {
  const stored = new Map<string, ScuContext>();
  const convertible = new Map<string, ScuContext>();
  for (const object of objects) {
    const key = `${object.sopClassUid}|${object.transferSyntaxUid}`;
    if (!stored.has(key)) {
      stored.set(key, { abstractSyntax: object.sopClassUid, transferSyntaxes: [object.transferSyntaxUid] });
    }
    if (
      !convertible.has(object.sopClassUid) &&
      UNCOMPRESSED_TRANSFER_SYNTAXES.some((ts) => canTranscode(object.transferSyntaxUid, ts))
    ) {
      convertible.set(object.sopClassUid, {
        abstractSyntax: object.sopClassUid,
        transferSyntaxes: [...UNCOMPRESSED_TRANSFER_SYNTAXES],
      });
    }
  }
  return [...stored.values(), ...convertible.values()].slice(0, MAX_PRESENTATION_CONTEXTS);
}

/** The syntax to send an object in: as stored when accepted, else a convertible accepted one, else none. */
export function chooseSyntax(object: StoredPair, accepted: readonly AcceptedSyntax[]): string | undefined {
  const forClass = accepted.filter((a) => a.sopClassUid === object.sopClassUid);
  if (forClass.some((a) => a.transferSyntaxUid === object.transferSyntaxUid)) return object.transferSyntaxUid;
  for (const ts of UNCOMPRESSED_TRANSFER_SYNTAXES) {
    if (forClass.some((a) => a.transferSyntaxUid === ts) && canTranscode(object.transferSyntaxUid, ts))
      return ts;
  }
  return forClass.find((a) => canTranscode(object.transferSyntaxUid, a.transferSyntaxUid))?.transferSyntaxUid;
}
