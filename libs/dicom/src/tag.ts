/** A data element tag as one unsigned 32-bit number: group << 16 | element. */
export type Tag = number;

export function tag(group: number, element: number): Tag {
  return ((group << 16) | element) >>> 0;
}
export function tagGroup(t: Tag): number {
  return t >>> 16;
}
export function tagElement(t: Tag): number {
  return t & 0xffff;
}
/** `(GGGG,EEEE)` in upper-case hex, the form of PS3.6. */
export function formatTag(t: Tag): string {
  const hex = t.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}
/** `GGGGEEEE`, the form of DICOM JSON (PS3.18 F.2). */
export function tagToHex(t: Tag): string {
  return t.toString(16).toUpperCase().padStart(8, '0');
}
/** Parse `GGGGEEEE` or `(GGGG,EEEE)`; undefined if it is neither. */
export function parseTag(text: string): Tag | undefined {
  const m = /^\(?([0-9a-fA-F]{4}),?([0-9a-fA-F]{4})\)?$/.exec(text);
  if (!m) return undefined;
  return tag(Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16));
}
export function isPrivateTag(t: Tag): boolean {
  return (tagGroup(t) & 1) === 1;
}

/** Tags this package refers to by name. */
export const Tags = {
  FileMetaInformationGroupLength: 0x00020000,
  FileMetaInformationVersion: 0x00020001,
  MediaStorageSopClassUid: 0x00020002,
  MediaStorageSopInstanceUid: 0x00020003,
  TransferSyntaxUid: 0x00020010,
  ImplementationClassUid: 0x00020012,
  ImplementationVersionName: 0x00020013,
  SourceApplicationEntityTitle: 0x00020016,
  SpecificCharacterSet: 0x00080005,
  SopClassUid: 0x00080016,
  SopInstanceUid: 0x00080018,
  PixelData: 0x7fe00010,
  Item: 0xfffee000,
  ItemDelimitationItem: 0xfffee00d,
  SequenceDelimitationItem: 0xfffee0dd,
} as const;
