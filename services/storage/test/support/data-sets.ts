/**
 * Small data sets written by hand (explicit VR little endian, tags in ascending order), so a test controls
 * every byte and every UID, and a generator of a large encapsulated object that never exists whole in memory.
 */
import { generateUid } from '@dicomesh/dicom';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
/** Study Root Query/Retrieve - FIND: a real SOP class, but not one that is stored. */
export const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';

export interface DataSetUids {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
}

export function newUids(sopClassUid = CT_IMAGE_STORAGE): DataSetUids {
  return {
    sopClassUid,
    sopInstanceUid: generateUid(),
    studyInstanceUid: generateUid(),
    seriesInstanceUid: generateUid(),
  };
}

/** Short-form explicit VR element (2-byte length), the value padded to even length with `pad`. */
function element(group: number, elementNumber: number, vr: string, value: string, pad = ' '): Buffer {
  const text = value.length % 2 === 0 ? value : value + pad;
  const out = Buffer.alloc(8 + text.length);
  out.writeUInt16LE(group, 0);
  out.writeUInt16LE(elementNumber, 2);
  out.write(vr, 4, 'latin1');
  out.writeUInt16LE(text.length, 6);
  out.write(text, 8, 'latin1');
  return out;
}

function uid(group: number, elementNumber: number, value: string): Buffer {
  return element(group, elementNumber, 'UI', value, '\0');
}

/** The attributes before Pixel Data: SOP, patient, study and series identification. */
export function headerElements(uids: DataSetUids, patientId = 'STORAGE-TEST'): Buffer {
  return Buffer.concat([
    uid(0x0008, 0x0016, uids.sopClassUid),
    uid(0x0008, 0x0018, uids.sopInstanceUid),
    element(0x0008, 0x0060, 'CS', 'OT'),
    element(0x0010, 0x0010, 'PN', 'TEST^STORAGE'),
    element(0x0010, 0x0020, 'LO', patientId),
    uid(0x0020, 0x000d, uids.studyInstanceUid),
    uid(0x0020, 0x000e, uids.seriesInstanceUid),
    element(0x0020, 0x0013, 'IS', '1'),
  ]);
}

/** A complete small data set: the header elements and 16 bytes of native Pixel Data (OB). */
export function smallDataSet(uids: DataSetUids, patientId?: string): Buffer {
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OB', 4, 'latin1');
  pixelHeader.writeUInt32LE(16, 8);
  return Buffer.concat([headerElements(uids, patientId), pixelHeader, Buffer.alloc(16, 0x5a)]);
}

function itemHeader(tagElement: number, length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt16LE(0xfffe, 0);
  out.writeUInt16LE(tagElement, 2);
  out.writeUInt32LE(length, 4);
  return out;
}

/**
 * An encapsulated object (for JPEG baseline) of about `totalBytes`: the header elements, then Pixel Data
 * of undefined length with an empty Basic Offset Table and fragments of `fragmentBytes`, then the sequence
 * delimiter. Yields chunks of at most `chunkBytes`; one fragment buffer is reused, so memory stays small.
 */
export function* encapsulatedObject(
  uids: DataSetUids,
  totalBytes: number,
  fragmentBytes: number,
  chunkBytes: number,
): Generator<Uint8Array> {
  yield headerElements(uids);
  const pixelData = Buffer.alloc(12);
  pixelData.writeUInt16LE(0x7fe0, 0);
  pixelData.writeUInt16LE(0x0010, 2);
  pixelData.write('OB', 4, 'latin1');
  pixelData.writeUInt32LE(0xffffffff, 8);
  yield pixelData;
  yield itemHeader(0xe000, 0); // empty Basic Offset Table
  const fragment = Buffer.alloc(fragmentBytes);
  for (let i = 0; i < fragment.length; i++) fragment[i] = (i * 31 + 7) & 0xff;
  for (let written = 0; written < totalBytes; written += fragmentBytes) {
    yield itemHeader(0xe000, fragmentBytes);
    for (let offset = 0; offset < fragmentBytes; offset += chunkBytes) {
      yield fragment.subarray(offset, Math.min(fragmentBytes, offset + chunkBytes));
    }
  }
  yield itemHeader(0xe0dd, 0); // sequence delimiter
}
