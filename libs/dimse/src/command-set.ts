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

/** Pad a string value to even length: UI with NUL, AE/LO with space (PS3.5 6.2). */
function encodeString(value: string, vr: CommandElementVr): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length % 2 === 0) return bytes;
  return Buffer.concat([bytes, Buffer.from([vr === 'UI' ? 0x00 : 0x20])]);
}

function encodeValue(key: string, vr: CommandElementVr, value: unknown): Buffer {
  switch (vr) {
    case 'US': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) {
        throw new CommandSetError(`expected an integer 0..65535, got ${String(value)}`, { field: key });
      }
      const b = Buffer.alloc(2);
      b.writeUInt16LE(value, 0);
      return b;
    }
    case 'AT': {
      if (!Array.isArray(value)) throw new CommandSetError('expected a list of tags', { field: key });
      const b = Buffer.alloc(4 * value.length);
      value.forEach((tag, i) => {
        if (typeof tag !== 'number') throw new CommandSetError(`tag ${i} is not a number`, { field: key });
        b.writeUInt16LE((tag >>> 16) & 0xffff, 4 * i);
        b.writeUInt16LE(tag & 0xffff, 4 * i + 2);
      });
      return b;
    }
    default: {
      if (typeof value !== 'string') throw new CommandSetError('expected a string', { field: key });
      if (vr === 'AE' && value.length > 16) {
        throw new CommandSetError(`AE title longer than 16 characters: "${value}"`, { field: key });
      }
      return encodeString(value, vr);
    }
  }
}

function element(tag: number, value: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE((tag >>> 16) & 0xffff, 0);
  header.writeUInt16LE(tag & 0xffff, 2);
  header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}

/** Encode a command set, CommandGroupLength first, the rest in ascending tag order. */
export function encodeCommandSet(command: CommandSet): Buffer {
  const parts: { tag: number; bytes: Buffer }[] = [];
  for (const key of Object.keys(CommandElement) as CommandElementKey[]) {
    const value = command[key];
    if (value === undefined) continue;
    const def = CommandElement[key];
    parts.push({ tag: def.tag, bytes: element(def.tag, encodeValue(key, def.vr, value)) });
  }
  for (const [tag, raw] of command.unknownElements ?? []) {
    if (tag >>> 16 !== 0 || tag === CommandGroupLengthTag || commandElementByTag.has(tag)) continue;
    parts.push({
      tag,
      bytes: element(tag, raw.length % 2 === 0 ? raw : Buffer.concat([raw, Buffer.alloc(1)])),
    });
  }
  parts.sort((a, b) => a.tag - b.tag);
  const body = Buffer.concat(parts.map((p) => p.bytes));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length, 0);
  return Buffer.concat([element(CommandGroupLengthTag, groupLength), body]);
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
