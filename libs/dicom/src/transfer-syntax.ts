import { stripUidPadding } from './uid.js';

/**
 * Transfer syntaxes of PS3.5 §10 / PS3.6 Table A-1 that a data set may arrive in.
 *
 * `encapsulated`: Pixel Data is encapsulated (PS3.5 A.4), i.e. fragments in an undefined-length item sequence.
 * `deflated`: the whole data set after the meta header is a raw deflate stream (PS3.5 A.5).
 * `referenced`: pixel data is not in the data set but referenced (JPIP) or the syntax describes a video stream.
 */
export interface TransferSyntaxInfo {
  readonly uid: string;
  readonly name: string;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  readonly encapsulated: boolean;
  readonly deflated: boolean;
  readonly retired: boolean;
  readonly lossy: boolean;
}

/** Keyword of each transfer syntax -> its UID. */
export const TransferSyntaxUid = {
  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  EncapsulatedUncompressedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.98',
  DeflatedExplicitVrLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVrBigEndian: '1.2.840.10008.1.2.2',
  JpegBaseline8Bit: '1.2.840.10008.1.2.4.50',
  JpegExtended12Bit: '1.2.840.10008.1.2.4.51',
  JpegLossless: '1.2.840.10008.1.2.4.57',
  JpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  Jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  Jpeg2000: '1.2.840.10008.1.2.4.91',
  Jpeg2000McLossless: '1.2.840.10008.1.2.4.92',
  Jpeg2000Mc: '1.2.840.10008.1.2.4.93',
  JpipReferenced: '1.2.840.10008.1.2.4.94',
  JpipReferencedDeflate: '1.2.840.10008.1.2.4.95',
  Mpeg2Mpml: '1.2.840.10008.1.2.4.100',
  Mpeg2MpmlF: '1.2.840.10008.1.2.4.100.1',
  Mpeg2Mphl: '1.2.840.10008.1.2.4.101',
  Mpeg2MphlF: '1.2.840.10008.1.2.4.101.1',
  Mpeg4Hp41: '1.2.840.10008.1.2.4.102',
  Mpeg4Hp41F: '1.2.840.10008.1.2.4.102.1',
  Mpeg4Hp41Bd: '1.2.840.10008.1.2.4.103',
  Mpeg4Hp41BdF: '1.2.840.10008.1.2.4.103.1',
  Mpeg4Hp422D: '1.2.840.10008.1.2.4.104',
  Mpeg4Hp422DF: '1.2.840.10008.1.2.4.104.1',
  Mpeg4Hp423D: '1.2.840.10008.1.2.4.105',
  Mpeg4Hp423DF: '1.2.840.10008.1.2.4.105.1',
  Mpeg4Hp42Stereo: '1.2.840.10008.1.2.4.106',
  Mpeg4Hp42StereoF: '1.2.840.10008.1.2.4.106.1',
  HevcMp51: '1.2.840.10008.1.2.4.107',
  HevcM10p51: '1.2.840.10008.1.2.4.108',
  JpegXlLossless: '1.2.840.10008.1.2.4.110',
  JpegXlJpegRecompression: '1.2.840.10008.1.2.4.111',
  JpegXl: '1.2.840.10008.1.2.4.112',
  Htj2kLossless: '1.2.840.10008.1.2.4.201',
  Htj2kLosslessRpcl: '1.2.840.10008.1.2.4.202',
  Htj2k: '1.2.840.10008.1.2.4.203',
  JpipHtj2kReferenced: '1.2.840.10008.1.2.4.204',
  JpipHtj2kReferencedDeflate: '1.2.840.10008.1.2.4.205',
  RleLossless: '1.2.840.10008.1.2.5',
  Smpte211020UncompressedProgressiveActiveVideo: '1.2.840.10008.1.2.7.1',
  Smpte211020UncompressedInterlacedActiveVideo: '1.2.840.10008.1.2.7.2',
  Smpte211030PcmDigitalAudio: '1.2.840.10008.1.2.7.3',
} as const;

export type TransferSyntaxKeyword = keyof typeof TransferSyntaxUid;
export type KnownTransferSyntaxUid = (typeof TransferSyntaxUid)[TransferSyntaxKeyword];

type Flags = Omit<TransferSyntaxInfo, 'uid' | 'name'>;

const nativeLe: Flags = {
  explicitVr: true,
  littleEndian: true,
  encapsulated: false,
  deflated: false,
  retired: false,
  lossy: false,
};
const encapsulatedLossless: Flags = { ...nativeLe, encapsulated: true };
const encapsulatedLossy: Flags = { ...encapsulatedLossless, lossy: true };

const table: Record<KnownTransferSyntaxUid, readonly [name: string, flags: Flags]> = {
  '1.2.840.10008.1.2': ['Implicit VR Little Endian', { ...nativeLe, explicitVr: false }],
  '1.2.840.10008.1.2.1': ['Explicit VR Little Endian', nativeLe],
  '1.2.840.10008.1.2.1.98': ['Encapsulated Uncompressed Explicit VR Little Endian', encapsulatedLossless],
  '1.2.840.10008.1.2.1.99': ['Deflated Explicit VR Little Endian', { ...nativeLe, deflated: true }],
  '1.2.840.10008.1.2.2': ['Explicit VR Big Endian', { ...nativeLe, littleEndian: false, retired: true }],
  '1.2.840.10008.1.2.4.50': ['JPEG Baseline (Process 1)', encapsulatedLossy],
  '1.2.840.10008.1.2.4.51': ['JPEG Extended (Process 2 & 4)', encapsulatedLossy],
  '1.2.840.10008.1.2.4.57': ['JPEG Lossless, Non-Hierarchical (Process 14)', encapsulatedLossless],
  '1.2.840.10008.1.2.4.70': [
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
    encapsulatedLossless,
  ],
  '1.2.840.10008.1.2.4.80': ['JPEG-LS Lossless Image Compression', encapsulatedLossless],
  '1.2.840.10008.1.2.4.81': ['JPEG-LS Lossy (Near-Lossless) Image Compression', encapsulatedLossy],
  '1.2.840.10008.1.2.4.90': ['JPEG 2000 Image Compression (Lossless Only)', encapsulatedLossless],
  '1.2.840.10008.1.2.4.91': ['JPEG 2000 Image Compression', encapsulatedLossy],
  '1.2.840.10008.1.2.4.92': [
    'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)',
    encapsulatedLossless,
  ],
  '1.2.840.10008.1.2.4.93': ['JPEG 2000 Part 2 Multi-component Image Compression', encapsulatedLossy],
  '1.2.840.10008.1.2.4.94': ['JPIP Referenced', nativeLe],
  '1.2.840.10008.1.2.4.95': ['JPIP Referenced Deflate', { ...nativeLe, deflated: true }],
  '1.2.840.10008.1.2.4.100': ['MPEG2 Main Profile / Main Level', encapsulatedLossy],
  '1.2.840.10008.1.2.4.100.1': ['Fragmentable MPEG2 Main Profile / Main Level', encapsulatedLossy],
  '1.2.840.10008.1.2.4.101': ['MPEG2 Main Profile / High Level', encapsulatedLossy],
  '1.2.840.10008.1.2.4.101.1': ['Fragmentable MPEG2 Main Profile / High Level', encapsulatedLossy],
  '1.2.840.10008.1.2.4.102': ['MPEG-4 AVC/H.264 High Profile / Level 4.1', encapsulatedLossy],
  '1.2.840.10008.1.2.4.102.1': ['Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1', encapsulatedLossy],
  '1.2.840.10008.1.2.4.103': ['MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', encapsulatedLossy],
  '1.2.840.10008.1.2.4.103.1': [
    'Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
    encapsulatedLossy,
  ],
  '1.2.840.10008.1.2.4.104': ['MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', encapsulatedLossy],
  '1.2.840.10008.1.2.4.104.1': [
    'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video',
    encapsulatedLossy,
  ],
  '1.2.840.10008.1.2.4.105': ['MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', encapsulatedLossy],
  '1.2.840.10008.1.2.4.105.1': [
    'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video',
    encapsulatedLossy,
  ],
  '1.2.840.10008.1.2.4.106': ['MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', encapsulatedLossy],
  '1.2.840.10008.1.2.4.106.1': [
    'Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2',
    encapsulatedLossy,
  ],
  '1.2.840.10008.1.2.4.107': ['HEVC/H.265 Main Profile / Level 5.1', encapsulatedLossy],
  '1.2.840.10008.1.2.4.108': ['HEVC/H.265 Main 10 Profile / Level 5.1', encapsulatedLossy],
  '1.2.840.10008.1.2.4.110': ['JPEG XL Lossless', encapsulatedLossless],
  '1.2.840.10008.1.2.4.111': ['JPEG XL JPEG Recompression', encapsulatedLossless],
  '1.2.840.10008.1.2.4.112': ['JPEG XL', encapsulatedLossy],
  '1.2.840.10008.1.2.4.201': [
    'High-Throughput JPEG 2000 Image Compression (Lossless Only)',
    encapsulatedLossless,
  ],
  '1.2.840.10008.1.2.4.202': [
    'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
    encapsulatedLossless,
  ],
  '1.2.840.10008.1.2.4.203': ['High-Throughput JPEG 2000 Image Compression', encapsulatedLossy],
  '1.2.840.10008.1.2.4.204': ['JPIP HTJ2K Referenced', nativeLe],
  '1.2.840.10008.1.2.4.205': ['JPIP HTJ2K Referenced Deflate', { ...nativeLe, deflated: true }],
  '1.2.840.10008.1.2.5': ['RLE Lossless', encapsulatedLossless],
  '1.2.840.10008.1.2.7.1': ['SMPTE ST 2110-20 Uncompressed Progressive Active Video', nativeLe],
  '1.2.840.10008.1.2.7.2': ['SMPTE ST 2110-20 Uncompressed Interlaced Active Video', nativeLe],
  '1.2.840.10008.1.2.7.3': ['SMPTE ST 2110-30 PCM Digital Audio', nativeLe],
};

const registry: ReadonlyMap<string, TransferSyntaxInfo> = new Map(
  Object.entries(table).map(([uid, [name, flags]]) => [uid, Object.freeze({ uid, name, ...flags })]),
);

/** Every known transfer syntax, in table order. */
export const TRANSFER_SYNTAXES: readonly TransferSyntaxInfo[] = [...registry.values()];

/** The native (not encapsulated, not deflated) syntaxes every SCP must be able to convert between. */
export const UNCOMPRESSED_TRANSFER_SYNTAXES: readonly KnownTransferSyntaxUid[] = [
  TransferSyntaxUid.ExplicitVrLittleEndian,
  TransferSyntaxUid.ImplicitVrLittleEndian,
  TransferSyntaxUid.ExplicitVrBigEndian,
];

/** The transfer syntax of `uid` (trailing NUL/space padding ignored), or undefined if unknown. */
export function transferSyntax(uid: string): TransferSyntaxInfo | undefined {
  return registry.get(stripUidPadding(uid));
}

export function isKnownTransferSyntax(uid: string): uid is KnownTransferSyntaxUid {
  return registry.has(uid);
}
