/**
 * The presentation contexts `dicomesh get` proposes for its C-STORE sub-operations (SCP role). PS3.8
 * allows 128 contexts, 6 of which go to query/retrieve, so not every storage class of PS3.4 fits: by
 * default the common classes come first (images, SR, RT, key objects, PDF), then the other current ones,
 * each in one context listing every syntax the tool can write (the archive picks one, uncompressed first,
 * as getscu's defaults do). `-cls UID` and `-x TS` choose exactly which pairs, each in its own context, so
 * an object stored compressed comes back as stored.
 */
import { STORAGE_SOP_CLASS_UIDS, sopClassName, TransferSyntaxUid } from '@dicomesh/dicom';
import { MAX_PRESENTATION_CONTEXTS } from '@dicomesh/dicom-ul';
import type { ScuContext } from '@dicomesh/dimse';
import { UsageError } from './scu-args.js';

/** The query/retrieve contexts proposed beside the storage ones (queryRetrieveContexts()). */
const QUERY_RETRIEVE_CONTEXTS = 6;
export const MAX_STORAGE_CONTEXTS = MAX_PRESENTATION_CONTEXTS - QUERY_RETRIEVE_CONTEXTS;

/** Transfer syntaxes accepted by default: uncompressed, deflate, and the common compressed ones. */
export const GET_TRANSFER_SYNTAXES: readonly string[] = [
  TransferSyntaxUid.ExplicitVrLittleEndian,
  TransferSyntaxUid.ImplicitVrLittleEndian,
  TransferSyntaxUid.ExplicitVrBigEndian,
  TransferSyntaxUid.DeflatedExplicitVrLittleEndian,
  TransferSyntaxUid.RleLossless,
  TransferSyntaxUid.JpegBaseline8Bit,
  TransferSyntaxUid.JpegExtended12Bit,
  TransferSyntaxUid.JpegLossless,
  TransferSyntaxUid.JpegLosslessSv1,
  TransferSyntaxUid.JpegLsLossless,
  TransferSyntaxUid.JpegLsNearLossless,
  TransferSyntaxUid.Jpeg2000Lossless,
  TransferSyntaxUid.Jpeg2000,
];

const S = '1.2.840.10008.5.1.4.1.1';
/** Proposed first: what a PACS holds most (PS3.6 Annex A UIDs). */
const COMMON_STORAGE_CLASSES: readonly string[] = [
  `${S}.2`, // CT
  `${S}.4`, // MR
  `${S}.6.1`, // US
  `${S}.3.1`, // US multi-frame
  `${S}.7`, // Secondary Capture
  `${S}.7.1`,
  `${S}.7.2`,
  `${S}.7.3`,
  `${S}.7.4`, // Multi-frame SC
  `${S}.1`, // CR
  `${S}.1.1`,
  `${S}.1.1.1`, // DX
  `${S}.1.2`,
  `${S}.1.2.1`, // MG
  `${S}.1.3`,
  `${S}.1.3.1`, // intra-oral
  `${S}.12.1`, // XA
  `${S}.12.2`, // RF
  `${S}.20`, // NM
  `${S}.128`, // PET
  `${S}.2.1`, // Enhanced CT
  `${S}.4.1`, // Enhanced MR
  `${S}.481.1`, // RT Image
  `${S}.481.2`, // RT Dose
  `${S}.481.3`, // RT Structure Set
  `${S}.481.4`, // RT Beams Treatment Record
  `${S}.481.5`, // RT Plan
  `${S}.88.11`, // Basic Text SR
  `${S}.88.22`, // Enhanced SR
  `${S}.88.33`, // Comprehensive SR
  `${S}.88.34`, // Comprehensive 3D SR
  `${S}.88.59`, // Key Object Selection
  `${S}.88.67`, // X-Ray Radiation Dose SR
  `${S}.104.1`, // Encapsulated PDF
  `${S}.11.1`, // Grayscale Softcopy Presentation State
  `${S}.66.4`, // Segmentation
  `${S}.66.1`, // Spatial Registration
  `${S}.77.1.4`, // VL Photographic
  `${S}.77.1.1`, // VL Endoscopic
];

const retired = (uid: string): boolean => sopClassName(uid)?.includes('(Retired)') ?? false;

/** The default storage classes, common ones first, then current ones, then retired ones, as many as fit. */
export function defaultGetStorageClasses(): string[] {
  const common = new Set(COMMON_STORAGE_CLASSES);
  const rest = STORAGE_SOP_CLASS_UIDS.filter((uid) => !common.has(uid));
  return [
    ...COMMON_STORAGE_CLASSES,
    ...rest.filter((uid) => !retired(uid)),
    ...rest.filter((uid) => retired(uid)),
  ].slice(0, MAX_STORAGE_CONTEXTS);
}

/** The contexts to propose: `-cls` x (`-x` or the defaults) pairs one per context, or the default classes. */
export function getStorageContexts(
  sopClasses: readonly string[],
  transferSyntaxes: readonly string[],
): { contexts: ScuContext[]; sopClasses: string[] } {
  if (sopClasses.length === 0) {
    const classes = defaultGetStorageClasses();
    const syntaxes = transferSyntaxes.length > 0 ? transferSyntaxes : GET_TRANSFER_SYNTAXES;
    return {
      contexts: classes.map((abstractSyntax) => ({ abstractSyntax, transferSyntaxes: [...syntaxes] })),
      sopClasses: classes,
    };
  }
  const syntaxes = transferSyntaxes.length > 0 ? transferSyntaxes : GET_TRANSFER_SYNTAXES;
  const pairs = sopClasses.length * syntaxes.length;
  if (pairs > MAX_STORAGE_CONTEXTS) {
    throw new UsageError(
      `-cls x -x make ${pairs} presentation contexts; at most ${MAX_STORAGE_CONTEXTS} fit beside query/retrieve`,
    );
  }
  return {
    contexts: sopClasses.flatMap((abstractSyntax) =>
      syntaxes.map((ts) => ({ abstractSyntax, transferSyntaxes: [ts] })),
    ),
    sopClasses: [...sopClasses],
  };
}
