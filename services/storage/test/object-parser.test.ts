import { describe, expect, it } from 'vitest';
import { ObjectParser } from '../src/index.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, headerElements, newUids } from './support/data-sets.js';

/** (gggg,0000) UL: a group length element as DCMTK writes with --group-length-create. */
function groupLength(group: number, length: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16LE(group, 0);
  out.writeUInt16LE(0x0000, 2);
  out.write('UL', 4, 'latin1');
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(length, 8);
  return out;
}

describe('ObjectParser', () => {
  it('reads a data set with group lengths and leaves them out of the indexed attributes', async () => {
    const uids = newUids();
    const parser = new ObjectParser(EXPLICIT_VR_LITTLE_ENDIAN);
    await parser.push(Buffer.concat([groupLength(0x0008, 0), headerElements(uids)]));
    const parsed = await parser.end();
    expect(parsed.sopInstanceUid).toBe(uids.sopInstanceUid);
    expect(parsed.attributes['00080018']).toEqual({ vr: 'UI', Value: [uids.sopInstanceUid] });
    expect(Object.keys(parsed.attributes).some((tag) => tag.endsWith('0000'))).toBe(false);
  });
});
