/** Encoding of typed PDUs to bytes (PS3.8 9.3, PS3.7 D.3.3). UIDs are written unpadded, AE titles space padded. */
import { ItemType } from './item-type.js';
import type { AssociateAcPdu, AssociateRqPdu, PDataTfPdu, Pdu, UserInformation } from './pdu.js';
import { PDU_HEADER_LENGTH, PduType } from './pdu-type.js';

/** Encode one PDU, header included. Throws RangeError on values that cannot be encoded (caller's bug). */
export function encodePdu(pdu: Pdu): Buffer {
  switch (pdu.type) {
    case PduType.AssociateRq:
    case PduType.AssociateAc:
      return withPduHeader(pdu.type, encodeAssociate(pdu));
    case PduType.AssociateRj:
      return withPduHeader(pdu.type, Buffer.from([0, pdu.result, pdu.source, pdu.reason]));
    case PduType.PDataTf:
      return encodePDataTf(pdu);
    case PduType.ReleaseRq:
    case PduType.ReleaseRp:
      return withPduHeader(pdu.type, Buffer.alloc(4));
    case PduType.Abort:
      return withPduHeader(pdu.type, Buffer.from([0, 0, pdu.source, pdu.reason]));
  }
}

function withPduHeader(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(PDU_HEADER_LENGTH);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function encodePDataTf(pdu: PDataTfPdu): Buffer {
  return Buffer.concat(encodePDataTfParts(pdu));
}

/**
 * A P-DATA-TF PDU as a list of buffers: the PDU header joined to the first PDV's item header, then each
 * PDV's data as given (not copied) and the next item header. Written with one corked `writev`, a large
 * data set fragment goes from the reader to the socket without being copied into a PDU buffer.
 */
export function encodePDataTfParts(pdu: PDataTfPdu): Buffer[] {
  let length = 0;
  for (const pdv of pdu.pdvs) length += PDV_ITEM_HEADER_LENGTH + pdv.data.length;
  const parts: Buffer[] = [];
  let header = Buffer.allocUnsafe(PDU_HEADER_LENGTH + PDV_ITEM_HEADER_LENGTH);
  header.writeUInt8(PduType.PDataTf, 0);
  header.writeUInt8(0, 1);
  header.writeUInt32BE(length, 2);
  let offset = PDU_HEADER_LENGTH;
  for (const pdv of pdu.pdvs) {
    if (pdv.contextId < 1 || pdv.contextId > 255 || pdv.contextId % 2 === 0) {
      throw new RangeError(`P-DATA-TF: presentation context ID ${pdv.contextId} is not odd in 1..255`);
    }
    if (offset === 0) header = Buffer.allocUnsafe(PDV_ITEM_HEADER_LENGTH);
    header.writeUInt32BE(pdv.data.length + 2, offset);
    header.writeUInt8(pdv.contextId, offset + 4);
    header.writeUInt8((pdv.isCommand ? 1 : 0) | (pdv.isLast ? 2 : 0), offset + 5);
    parts.push(header);
    if (pdv.data.length > 0) parts.push(pdv.data);
    offset = 0;
  }
  return parts;
}

/** PDV item: 4-byte item length, presentation context ID, message control header (PS3.8 9.3.5.1). */
const PDV_ITEM_HEADER_LENGTH = 6;

/** 16 bytes, space padded (PS3.8 9.3.2). */
export function encodeAeTitle(title: string, field: string): Buffer {
  const trimmed = title.trim();
  if (trimmed.length === 0 || trimmed.length > 16 || !/^[\x20-\x5b\x5d-\x7e]+$/.test(trimmed)) {
    throw new RangeError(`${field}: ${JSON.stringify(title)} is not an AE title of 1-16 characters`);
  }
  return Buffer.from(trimmed.padEnd(16, ' '), 'latin1');
}

function item(type: number, body: Buffer): Buffer {
  if (body.length > 0xffff)
    throw new RangeError(`item 0x${type.toString(16)}: length ${body.length} over 65535`);
  const header = Buffer.alloc(4);
  header.writeUInt8(type, 0);
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function ascii(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value, 0);
  return b;
}

/** A 2-byte length followed by the bytes (used inside several user-information sub-items). */
function lengthPrefixed(value: Buffer): Buffer {
  if (value.length > 0xffff) throw new RangeError(`field length ${value.length} over 65535`);
  return Buffer.concat([u16(value.length), value]);
}

function encodeAssociate(pdu: AssociateRqPdu | AssociateAcPdu): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(pdu.protocolVersion, 0);
  encodeAeTitle(pdu.calledAeTitle, 'called AE title').copy(fixed, 4);
  encodeAeTitle(pdu.callingAeTitle, 'calling AE title').copy(fixed, 20);
  const parts: Buffer[] = [fixed, item(ItemType.ApplicationContext, ascii(pdu.applicationContext))];
  if (pdu.type === PduType.AssociateRq) {
    for (const pc of pdu.presentationContexts) {
      parts.push(
        item(
          ItemType.PresentationContextRq,
          Buffer.concat([
            Buffer.from([pc.id, 0, 0, 0]),
            item(ItemType.AbstractSyntax, ascii(pc.abstractSyntax)),
            ...pc.transferSyntaxes.map((ts) => item(ItemType.TransferSyntax, ascii(ts))),
          ]),
        ),
      );
    }
  } else {
    for (const pc of pdu.presentationContexts) {
      parts.push(
        item(
          ItemType.PresentationContextAc,
          Buffer.concat([
            Buffer.from([pc.id, 0, pc.result, 0]),
            item(ItemType.TransferSyntax, ascii(pc.transferSyntax)),
          ]),
        ),
      );
    }
  }
  parts.push(item(ItemType.UserInformation, encodeUserInformation(pdu.userInformation)));
  return Buffer.concat(parts);
}

/** Sub-items in the order DCMTK and PS3.7 list them: 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58/0x59. */
export function encodeUserInformation(ui: UserInformation): Buffer {
  const parts: Buffer[] = [];
  if (ui.maxLength !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(ui.maxLength, 0);
    parts.push(item(ItemType.MaximumLength, b));
  }
  if (ui.implementationClassUid !== undefined) {
    parts.push(item(ItemType.ImplementationClassUid, ascii(ui.implementationClassUid)));
  }
  if (ui.asyncOperationsWindow) {
    const { maxOperationsInvoked, maxOperationsPerformed } = ui.asyncOperationsWindow;
    parts.push(
      item(
        ItemType.AsynchronousOperationsWindow,
        Buffer.concat([u16(maxOperationsInvoked), u16(maxOperationsPerformed)]),
      ),
    );
  }
  for (const role of ui.roleSelection) {
    parts.push(
      item(
        ItemType.RoleSelection,
        Buffer.concat([
          lengthPrefixed(ascii(role.sopClassUid)),
          Buffer.from([role.scu ? 1 : 0, role.scp ? 1 : 0]),
        ]),
      ),
    );
  }
  if (ui.implementationVersionName !== undefined) {
    parts.push(item(ItemType.ImplementationVersionName, ascii(ui.implementationVersionName)));
  }
  for (const ext of ui.extendedNegotiation) {
    parts.push(
      item(
        ItemType.SopClassExtendedNegotiation,
        Buffer.concat([lengthPrefixed(ascii(ext.sopClassUid)), ext.info]),
      ),
    );
  }
  for (const common of ui.commonExtendedNegotiation) {
    const related = Buffer.concat(common.relatedGeneralSopClassUids.map((uid) => lengthPrefixed(ascii(uid))));
    const body = Buffer.concat([
      lengthPrefixed(ascii(common.sopClassUid)),
      lengthPrefixed(ascii(common.serviceClassUid)),
      lengthPrefixed(related),
    ]);
    // Sub-item version 0 lives in the reserved byte of the header (PS3.7 D.3.3.6.1).
    const encoded = item(ItemType.SopClassCommonExtendedNegotiation, body);
    encoded.writeUInt8(0, 1);
    parts.push(encoded);
  }
  if (ui.userIdentity) {
    const id = ui.userIdentity;
    parts.push(
      item(
        ItemType.UserIdentityRq,
        Buffer.concat([
          Buffer.from([id.type, id.positiveResponseRequested ? 1 : 0]),
          lengthPrefixed(id.primaryField),
          lengthPrefixed(id.secondaryField),
        ]),
      ),
    );
  }
  if (ui.userIdentityResponse) {
    parts.push(item(ItemType.UserIdentityAc, lengthPrefixed(ui.userIdentityResponse)));
  }
  return Buffer.concat(parts);
}
