/**
 * Command set codec (PS3.7 6.3.1 and Annex E): group 0000 elements, always Implicit VR Little Endian,
 * led by CommandGroupLength (0000,0000). Elements are written in ascending tag order.
 */
import {
  CommandElement,
  type CommandElementKey,
  type CommandElementVr,
  CommandGroupLengthTag,
  type CommandSet,
  commandElementByTag,
  formatTag,
} from './command-elements.js';
import { CommandSetError } from './errors.js';

/** Element header in Implicit VR Little Endian: tag (4) and value length (4). */
const ELEMENT_HEADER_LENGTH = 8;
/** CommandGroupLength element: header and its 4-byte UL value. */
const GROUP_LENGTH_ELEMENT_LENGTH = 12;

/** The known elements in ascending tag order, as they are written. */
const ELEMENTS_IN_TAG_ORDER = (Object.keys(CommandElement) as CommandElementKey[])
  .map((key) => ({ key, tag: CommandElement[key].tag, vr: CommandElement[key].vr as CommandElementVr }))
  .sort((a, b) => a.tag - b.tag);

/** One element to write: a known one (checked value and its unpadded length) or an unknown one's raw bytes. */
interface Pending {
  readonly tag: number;
  readonly vr: CommandElementVr | undefined;
  readonly value: unknown;
  /** Value length before padding to even. */
  readonly length: number;
}

/** Check a value against its VR and return its length in bytes before padding. */
function checkedLength(key: string, vr: CommandElementVr, value: unknown): number {
  switch (vr) {
    case 'US':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) {
        throw new CommandSetError(`expected an integer 0..65535, got ${String(value)}`, { field: key });
      }
      return 2;
    case 'AT':
      if (!Array.isArray(value)) throw new CommandSetError('expected a list of tags', { field: key });
      value.forEach((tag, i) => {
        if (typeof tag !== 'number') throw new CommandSetError(`tag ${i} is not a number`, { field: key });
      });
      return 4 * value.length;
    default:
      if (typeof value !== 'string') throw new CommandSetError('expected a string', { field: key });
      if (vr === 'AE' && value.length > 16) {
        throw new CommandSetError(`AE title longer than 16 characters: "${value}"`, { field: key });
      }
      // latin1: one byte per character
      return value.length;
  }
}

/**
 * Write one element at `offset`; returns the offset after it. Strings are padded to even length, UI with NUL
 * and AE/LO with space (PS3.5 6.2); unknown elements' raw bytes with NUL.
 */
function writeElement(out: Buffer, offset: number, element: Pending): number {
  const padded = element.length + (element.length % 2);
  out.writeUInt16LE((element.tag >>> 16) & 0xffff, offset);
  out.writeUInt16LE(element.tag & 0xffff, offset + 2);
  out.writeUInt32LE(padded, offset + 4);
  let at = offset + ELEMENT_HEADER_LENGTH;
  switch (element.vr) {
    case 'US':
      out.writeUInt16LE(element.value as number, at);
      break;
    case 'AT':
      for (const tag of element.value as number[]) {
        out.writeUInt16LE((tag >>> 16) & 0xffff, at);
        out.writeUInt16LE(tag & 0xffff, at + 2);
        at += 4;
      }
      break;
    case undefined:
      (element.value as Buffer).copy(out, at);
      if (padded > element.length) out[at + element.length] = 0x00;
      break;
    default:
      out.write(element.value as string, at, element.length, 'latin1');
      if (padded > element.length) out[at + element.length] = element.vr === 'UI' ? 0x00 : 0x20;
  }
  return offset + ELEMENT_HEADER_LENGTH + padded;
}

/**
 * Encode a command set, CommandGroupLength first, the rest in ascending tag order, into one buffer (values are
 * checked and measured first, then written in place: no buffer per element).
 */
export function encodeCommandSet(command: CommandSet): Buffer {
  const elements: Pending[] = [];
  let bodyLength = 0;
  for (const { key, tag, vr } of ELEMENTS_IN_TAG_ORDER) {
    const value = command[key];
    if (value === undefined) continue;
    const length = checkedLength(key, vr, value);
    elements.push({ tag, vr, value, length });
    bodyLength += ELEMENT_HEADER_LENGTH + length + (length % 2);
  }
  if (command.unknownElements && command.unknownElements.size > 0) {
    for (const [tag, raw] of command.unknownElements) {
      if (tag >>> 16 !== 0 || tag === CommandGroupLengthTag || commandElementByTag.has(tag)) continue;
      elements.push({ tag, vr: undefined, value: raw, length: raw.length });
      bodyLength += ELEMENT_HEADER_LENGTH + raw.length + (raw.length % 2);
    }
    elements.sort((a, b) => a.tag - b.tag);
  }
  const out = Buffer.allocUnsafe(GROUP_LENGTH_ELEMENT_LENGTH + bodyLength);
  out.writeUInt32LE(CommandGroupLengthTag, 0);
  out.writeUInt32LE(4, 4);
  out.writeUInt32LE(bodyLength, 8);
  let offset = GROUP_LENGTH_ELEMENT_LENGTH;
  for (const element of elements) offset = writeElement(out, offset, element);
  return out;
}

function decodeValue(keyword: string, vr: CommandElementVr, value: Buffer): number | number[] | string {
  switch (vr) {
    case 'US':
      if (value.length !== 2)
        throw new CommandSetError(`US value of length ${value.length}`, { field: keyword });
      return value.readUInt16LE(0);
    case 'AT': {
      if (value.length % 4 !== 0) {
        throw new CommandSetError(`AT value of length ${value.length}`, { field: keyword });
      }
      const tags: number[] = [];
      for (let i = 0; i < value.length; i += 4) {
        tags.push(((value.readUInt16LE(i) << 16) | value.readUInt16LE(i + 2)) >>> 0);
      }
      return tags;
    }
    case 'UI':
      return value.toString('latin1', 0, unpaddedEnd(value));
    default:
      return value.toString('latin1').trim();
  }
}

/** Length of a UI value without its trailing NUL or space padding. */
function unpaddedEnd(value: Buffer): number {
  let end = value.length;
  while (end > 0 && (value[end - 1] === 0x00 || value[end - 1] === 0x20)) end--;
  return end;
}

/**
 * Decode a complete command set. Unknown group-0000 elements are kept in `unknownElements`; an element
 * outside group 0000, a truncated element or a missing CommandField / CommandDataSetType is an error.
 */
export function decodeCommandSet(bytes: Buffer): CommandSet {
  const out: Record<string, unknown> = {};
  let unknown: Map<number, Buffer> | undefined;
  let offset = 0;
  let previousTag = -1;
  let groupLength: number | undefined;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) {
      throw new CommandSetError(`element header at offset ${offset} past end (${bytes.length} bytes)`);
    }
    const tag = ((bytes.readUInt16LE(offset) << 16) | bytes.readUInt16LE(offset + 2)) >>> 0;
    const length = bytes.readUInt32LE(offset + 4);
    const def = commandElementByTag.get(tag);
    if (tag >>> 16 !== 0) {
      throw new CommandSetError(`element ${formatTag(tag)} at offset ${offset} is not in group 0000`);
    }
    if (tag <= previousTag) {
      throw new CommandSetError(`element ${formatTag(tag)} at offset ${offset} out of ascending order`);
    }
    if (length === 0xffffffff || offset + 8 + length > bytes.length) {
      throw new CommandSetError(
        `value of length ${length} at offset ${offset + 8} past end (${bytes.length} bytes)`,
        {
          field: def?.keyword ?? formatTag(tag),
        },
      );
    }
    const value = bytes.subarray(offset + 8, offset + 8 + length);
    if (tag === CommandGroupLengthTag) {
      if (length !== 4)
        throw new CommandSetError(`UL value of length ${length}`, { field: 'CommandGroupLength' });
      groupLength = value.readUInt32LE(0);
    } else if (def) {
      out[def.key] = decodeValue(def.keyword, def.vr, value);
    } else {
      unknown ??= new Map();
      unknown.set(tag, Buffer.from(value));
    }
    previousTag = tag;
    offset += 8 + length;
  }
  if (groupLength !== undefined && groupLength !== bytes.length - 12) {
    throw new CommandSetError(`says ${groupLength} bytes follow, but ${bytes.length - 12} do`, {
      field: 'CommandGroupLength',
    });
  }
  if (typeof out.commandField !== 'number') throw new CommandSetError('missing', { field: 'CommandField' });
  if (typeof out.commandDataSetType !== 'number') {
    throw new CommandSetError('missing', { field: 'CommandDataSetType' });
  }
  if (unknown) out.unknownElements = unknown;
  return out as CommandSet;
}

/** True when the command says a data set follows (CommandDataSetType other than 0x0101). */
export function hasDataSet(command: CommandSet): boolean {
  return command.commandDataSetType !== 0x0101;
}
