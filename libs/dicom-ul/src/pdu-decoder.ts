/**
 * Decoding of one PDU's bytes into a typed PDU (PS3.8 9.3, PS3.7 D.3.3). Errors are PduDecodeError naming the
 * PDU, the field and the offset within the PDU; the abortReason they carry follows PS3.8 Table 9-26.
 * Unknown items and sub-items are skipped (PS3.8 9.3.1); lengths overrunning their parent are errors.
 */
import { AbortReason } from './abort-codes.js';
import type { PresentationDataValue } from './association-api.js';
import { ByteReader, trimText } from './byte-reader.js';
import { PduDecodeError } from './errors.js';
import { ItemType } from './item-type.js';
import type {
  AssociateAcPdu,
  AssociateRqPdu,
  CommonExtendedNegotiationItem,
  ExtendedNegotiationItem,
  Pdu,
  PresentationContextAcItem,
  PresentationContextRqItem,
  RoleSelectionItem,
  UserIdentityRqItem,
  UserInformation,
} from './pdu.js';
import { emptyUserInformation } from './pdu.js';
import { isPduType, PDU_HEADER_LENGTH, PDU_TYPE_NAMES, PduType } from './pdu-type.js';

/** PS3.8 9.3.2.2: presentation context IDs are odd, 1..255, so at most 128 contexts. */
export const MAX_PRESENTATION_CONTEXTS = 128;

/** Decode a whole PDU, header included. */
export function decodePdu(bytes: Buffer): Pdu {
  const header = new ByteReader(bytes, 'PDU');
  const type = header.u8('PDU type');
  header.skip(1, 'reserved');
  const length = header.u32('PDU length');
  if (bytes.length - PDU_HEADER_LENGTH !== length) {
    throw new PduDecodeError(
      `PDU: PDU length ${length} does not match the ${bytes.length - PDU_HEADER_LENGTH} bytes given`,
    );
  }
  return decodePduBody(type, bytes.subarray(PDU_HEADER_LENGTH));
}

/** Decode a PDU's variable part, given its type from the header. */
export function decodePduBody(type: number, body: Buffer): Pdu {
  if (!isPduType(type)) {
    throw new PduDecodeError(`PDU: type 0x${type.toString(16).padStart(2, '0')} unrecognized`, {
      abortReason: AbortReason.UnrecognizedPdu,
    });
  }
  if (type === PduType.PDataTf) {
    const pdvs = decodePdvsFast(body);
    if (pdvs) return { type, pdvs };
  }
  const r = new ByteReader(body, PDU_TYPE_NAMES[type], PDU_HEADER_LENGTH);
  switch (type) {
    case PduType.AssociateRq:
    case PduType.AssociateAc:
      return decodeAssociate(type, r);
    case PduType.AssociateRj: {
      r.skip(1, 'reserved');
      const result = r.u8('result');
      const source = r.u8('source');
      const reason = r.u8('reason/diag.');
      return { type, result, source, reason };
    }
    case PduType.PDataTf:
      return { type, pdvs: decodePdvs(r) };
    case PduType.ReleaseRq:
    case PduType.ReleaseRp:
      r.skip(4, 'reserved');
      return { type };
    case PduType.Abort: {
      r.skip(2, 'reserved');
      const source = r.u8('source');
      const reason = r.u8('reason/diag.');
      return { type, source, reason };
    }
  }
}

/** PDV item header: item length (4), presentation context ID (1), message control header (1). */
const PDV_ITEM_HEADER_LENGTH = 6;

/**
 * The PDVs of a valid P-DATA-TF body, read without a ByteReader or a field name per item (this runs for every
 * PDU of every data set); undefined when anything is wrong, and `decodePdvs` then names the error.
 */
function decodePdvsFast(body: Buffer): PresentationDataValue[] | undefined {
  const pdvs: PresentationDataValue[] = [];
  let offset = 0;
  if (body.length === 0) return undefined;
  while (offset < body.length) {
    if (body.length - offset < PDV_ITEM_HEADER_LENGTH) return undefined;
    const end = offset + 4 + body.readUInt32BE(offset);
    const contextId = body[offset + 4] as number;
    const control = body[offset + 5] as number;
    if (end < offset + PDV_ITEM_HEADER_LENGTH || end > body.length || contextId % 2 === 0) return undefined;
    pdvs.push({
      contextId,
      isCommand: (control & 1) !== 0,
      isLast: (control & 2) !== 0,
      data: body.subarray(offset + PDV_ITEM_HEADER_LENGTH, end),
    });
    offset = end;
  }
  return pdvs;
}

function decodePdvs(r: ByteReader): PresentationDataValue[] {
  const pdvs: PresentationDataValue[] = [];
  if (r.remaining === 0) r.fail('presentation data value items', 'none (at least one is required)');
  while (r.remaining > 0) {
    const at = r.offset;
    const length = r.u32(`PDV item at offset ${at}: item length`);
    if (length < 2) r.fail(`PDV item at offset ${at}`, `item length ${length} under 2`);
    const pdv = r.sub(length, `PDV item at offset ${at}`);
    const contextId = pdv.u8('presentation context ID');
    if (contextId % 2 === 0) pdv.fail('presentation context ID', `${contextId} is even`);
    const control = pdv.u8('message control header');
    pdvs.push({
      contextId,
      isCommand: (control & 1) !== 0,
      isLast: (control & 2) !== 0,
      data: pdv.bytes(pdv.remaining, 'fragment'),
    });
  }
  return pdvs;
}

interface RawItem {
  readonly type: number;
  readonly reserved: number;
  readonly at: number;
  readonly body: ByteReader;
}

/** Iterate the items (4-byte headers) that fill a reader. */
function* items(r: ByteReader, what: string): Generator<RawItem> {
  while (r.remaining > 0) {
    const at = r.offset;
    const type = r.u8(`${what} at offset ${at}: item type`);
    const reserved = r.u8(`${what} at offset ${at}: reserved`);
    const length = r.u16(`${what} at offset ${at}: item length`);
    const body = r.sub(length, `item 0x${type.toString(16)} at offset ${at}`);
    yield { type, reserved, at, body };
  }
}

function decodeAssociate(
  type: typeof PduType.AssociateRq | typeof PduType.AssociateAc,
  r: ByteReader,
): AssociateRqPdu | AssociateAcPdu {
  const protocolVersion = r.u16('protocol version');
  r.skip(2, 'reserved');
  const calledAeTitle = trimText(r.bytes(16, 'called AE title'));
  const callingAeTitle = trimText(r.bytes(16, 'calling AE title'));
  r.skip(32, 'reserved');
  if (type === PduType.AssociateRq) {
    checkAeTitle(r, 'called AE title', calledAeTitle);
    checkAeTitle(r, 'calling AE title', callingAeTitle);
  }
  let applicationContext: string | undefined;
  const rqContexts: PresentationContextRqItem[] = [];
  const acContexts: PresentationContextAcItem[] = [];
  const ids = new Set<number>();
  let userInformation: UserInformation | undefined;
  for (const it of items(r, 'variable item')) {
    if (it.type === ItemType.ApplicationContext) {
      if (applicationContext !== undefined) it.body.fail('application context', 'more than one item');
      applicationContext = it.body.restAsText();
      if (!applicationContext) it.body.fail('application context name', 'empty');
    } else if (it.type === ItemType.PresentationContextRq && type === PduType.AssociateRq) {
      const pc = decodePresentationContextRq(it.body);
      checkContextId(it.body, pc.id, ids);
      rqContexts.push(pc);
    } else if (it.type === ItemType.PresentationContextAc && type === PduType.AssociateAc) {
      const pc = decodePresentationContextAc(it.body);
      checkContextId(it.body, pc.id, ids);
      acContexts.push(pc);
    } else if (it.type === ItemType.UserInformation) {
      if (userInformation !== undefined) it.body.fail('user information', 'more than one item');
      userInformation = decodeUserInformation(it.body);
    }
    // Anything else: unknown or misplaced item, ignored (PS3.8 9.3.1).
  }
  if (applicationContext === undefined) {
    r.fail('application context item', 'missing', AbortReason.InvalidPduParameterValue);
  }
  if (type === PduType.AssociateRq && rqContexts.length === 0) {
    r.fail('presentation context items', 'none proposed');
  }
  const common = {
    protocolVersion,
    calledAeTitle,
    callingAeTitle,
    applicationContext,
    userInformation: userInformation ?? emptyUserInformation(),
  };
  return type === PduType.AssociateRq
    ? { type, ...common, presentationContexts: rqContexts }
    : { type, ...common, presentationContexts: acContexts };
}

/** PS3.5 Table 6.2-1 (AE): 1-16 characters of the default repertoire, no backslash, no control characters. */
function checkAeTitle(r: ByteReader, field: string, title: string): void {
  if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(title))
    r.fail(field, `${JSON.stringify(title)} is not a valid AE title`);
}

function checkContextId(r: ByteReader, id: number, seen: Set<number>): void {
  if (id % 2 === 0) r.fail('presentation context ID', `${id} is even (PS3.8 9.3.2.2: odd 1..255)`);
  if (seen.has(id)) {
    r.fail(
      'presentation context ID',
      `${id} repeated${seen.size >= MAX_PRESENTATION_CONTEXTS ? ` (more than ${MAX_PRESENTATION_CONTEXTS} contexts)` : ''}`,
    );
  }
  seen.add(id);
}

function decodePresentationContextRq(r: ByteReader): PresentationContextRqItem {
  const id = r.u8('presentation context ID');
  r.skip(3, 'reserved');
  let abstractSyntax: string | undefined;
  const transferSyntaxes: string[] = [];
  for (const it of items(r, 'sub-item')) {
    if (it.type === ItemType.AbstractSyntax) {
      if (abstractSyntax !== undefined) it.body.fail('abstract syntax', 'more than one sub-item');
      abstractSyntax = it.body.restAsText();
      if (!abstractSyntax) it.body.fail('abstract syntax name', 'empty');
    } else if (it.type === ItemType.TransferSyntax) {
      const ts = it.body.restAsText();
      if (!ts) it.body.fail('transfer syntax name', 'empty');
      transferSyntaxes.push(ts);
    }
  }
  if (abstractSyntax === undefined) r.fail('abstract syntax sub-item', `missing in context ${id}`);
  if (transferSyntaxes.length === 0) r.fail('transfer syntax sub-items', `none in context ${id}`);
  return { id, abstractSyntax, transferSyntaxes };
}

function decodePresentationContextAc(r: ByteReader): PresentationContextAcItem {
  const id = r.u8('presentation context ID');
  r.skip(1, 'reserved');
  const result = r.u8('result/reason');
  r.skip(1, 'reserved');
  if (result > 4) r.fail('result/reason', `${result} is not 0-4`);
  let transferSyntax = '';
  for (const it of items(r, 'sub-item')) {
    if (it.type === ItemType.TransferSyntax) transferSyntax = it.body.restAsText();
  }
  if (result === 0 && !transferSyntax)
    r.fail('transfer syntax sub-item', `missing in accepted context ${id}`);
  return { id, result, transferSyntax };
}

function decodeUserInformation(r: ByteReader): UserInformation {
  let maxLength: number | undefined;
  let implementationClassUid: string | undefined;
  let implementationVersionName: string | undefined;
  let asyncOperationsWindow: UserInformation['asyncOperationsWindow'];
  const roleSelection: RoleSelectionItem[] = [];
  const extendedNegotiation: ExtendedNegotiationItem[] = [];
  const commonExtendedNegotiation: CommonExtendedNegotiationItem[] = [];
  let userIdentity: UserIdentityRqItem | undefined;
  let userIdentityResponse: Buffer | undefined;
  for (const it of items(r, 'user information sub-item')) {
    const b = it.body;
    switch (it.type) {
      case ItemType.MaximumLength:
        maxLength = b.u32('maximum length received');
        break;
      case ItemType.ImplementationClassUid:
        implementationClassUid = b.restAsText();
        break;
      case ItemType.ImplementationVersionName:
        implementationVersionName = b.restAsText();
        break;
      case ItemType.AsynchronousOperationsWindow:
        asyncOperationsWindow = {
          maxOperationsInvoked: b.u16('maximum number of operations invoked'),
          maxOperationsPerformed: b.u16('maximum number of operations performed'),
        };
        break;
      case ItemType.RoleSelection: {
        const uidLength = b.u16('UID length');
        const sopClassUid = trimText(b.bytes(uidLength, 'SOP class UID'));
        const scu = b.u8('SCU role');
        const scp = b.u8('SCP role');
        roleSelection.push({ sopClassUid, scu: scu === 1, scp: scp === 1 });
        break;
      }
      case ItemType.SopClassExtendedNegotiation: {
        const uidLength = b.u16('SOP class UID length');
        const sopClassUid = trimText(b.bytes(uidLength, 'SOP class UID'));
        extendedNegotiation.push({
          sopClassUid,
          info: Buffer.from(b.bytes(b.remaining, 'service class application information')),
        });
        break;
      }
      case ItemType.SopClassCommonExtendedNegotiation: {
        const sopClassUid = trimText(b.bytes(b.u16('SOP class UID length'), 'SOP class UID'));
        const serviceClassUid = trimText(b.bytes(b.u16('service class UID length'), 'service class UID'));
        const related = b.sub(
          b.u16('related general SOP class identification length'),
          'related general SOP classes',
        );
        const relatedGeneralSopClassUids: string[] = [];
        while (related.remaining > 0) {
          relatedGeneralSopClassUids.push(
            trimText(related.bytes(related.u16('related SOP class UID length'), 'related SOP class UID')),
          );
        }
        commonExtendedNegotiation.push({ sopClassUid, serviceClassUid, relatedGeneralSopClassUids });
        break;
      }
      case ItemType.UserIdentityRq: {
        const type = b.u8('user identity type');
        const positive = b.u8('positive response requested');
        const primaryField = Buffer.from(b.bytes(b.u16('primary field length'), 'primary field'));
        const secondaryField = Buffer.from(b.bytes(b.u16('secondary field length'), 'secondary field'));
        userIdentity = { type, positiveResponseRequested: positive === 1, primaryField, secondaryField };
        break;
      }
      case ItemType.UserIdentityAc:
        userIdentityResponse = Buffer.from(b.bytes(b.u16('server response length'), 'server response'));
        break;
      default:
        // Unknown sub-item: skipped (PS3.8 9.3.1, PS3.7 D.3.3).
        break;
    }
  }
  return {
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(implementationClassUid === undefined ? {} : { implementationClassUid }),
    ...(implementationVersionName === undefined ? {} : { implementationVersionName }),
    ...(asyncOperationsWindow === undefined ? {} : { asyncOperationsWindow }),
    roleSelection,
    extendedNegotiation,
    commonExtendedNegotiation,
    ...(userIdentity === undefined ? {} : { userIdentity }),
    ...(userIdentityResponse === undefined ? {} : { userIdentityResponse }),
  };
}
