import { describe, expect, it } from 'vitest';
import {
  CommandField,
  CommandSetError,
  decodeCommandSet,
  encodeCommandSet,
  toDimseMessage,
} from '../src/index.js';

/**
 * Golden command sets captured from DCMTK 3.6.7 on loopback with a recording TCP proxy
 * (echoscu/storescu -> proxy -> storescp), the command PDV of the P-DATA-TF PDU:
 */
const golden = {
  /** echoscu -aet ECHOSCU -aec STORESCP: C-ECHO-RQ, Verification, MessageID 1, no data set (0x0101). */
  cEchoRq:
    '0000000004000000380000000000020012000000312e322e3834302e31303030382e312e3100000000010200000030000000100102000000010000000008020000000101',
  /** storescp's answer: C-ECHO-RSP, MessageIDBeingRespondedTo 1, Status 0x0000. */
  cEchoRsp:
    '0000000004000000420000000000020012000000312e322e3834302e31303030382e312e310000000001020000003080000020010200000001000000000802000000010100000009020000000000',
  /** storescu CT_small.dcm: C-STORE-RQ, CT Image Storage, MessageID 1, Priority 0, data set follows (0x0001). */
  cStoreRq:
    '000000000400000082000000000002001a000000312e322e3834302e31303030382e352e312e342e312e312e3200000000010200000001000000100102000000010000000007020000000000000000080200000001000000001030000000312e332e362e312e342e312e353936322e312e312e312e312e312e32303034303131393037323733302e313233323200',
  /** storescp's C-STORE-RSP: MessageIDBeingRespondedTo 1, Status 0x0000, class and instance echoed. */
  cStoreRsp:
    '000000000400000082000000000002001a000000312e322e3834302e31303030382e352e312e342e312e312e3200000000010200000001800000200102000000010000000008020000000101000000090200000000000000001030000000312e332e362e312e342e312e353936322e312e312e312e312e312e32303034303131393037323733302e313233323200',
};
const ctInstance = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';

describe('command set codec against DCMTK bytes', () => {
  it('decodes and re-encodes the C-ECHO-RQ byte for byte', () => {
    const bytes = Buffer.from(golden.cEchoRq, 'hex');
    const cs = decodeCommandSet(bytes);
    expect(cs).toEqual({
      affectedSopClassUid: '1.2.840.10008.1.1',
      commandField: CommandField.CEchoRq,
      messageId: 1,
      commandDataSetType: 0x0101,
    });
    expect(encodeCommandSet(cs).toString('hex')).toBe(golden.cEchoRq);
    expect(toDimseMessage(cs).commandField).toBe(0x0030);
  });

  it('decodes and re-encodes the C-ECHO-RSP', () => {
    const cs = decodeCommandSet(Buffer.from(golden.cEchoRsp, 'hex'));
    expect(cs).toMatchObject({ commandField: 0x8030, messageIdBeingRespondedTo: 1, status: 0 });
    expect(encodeCommandSet(cs).toString('hex')).toBe(golden.cEchoRsp);
  });

  it('encodes a C-STORE-RQ exactly as DCMTK does (UID padding with NUL, group length)', () => {
    const encoded = encodeCommandSet({
      commandField: CommandField.CStoreRq,
      affectedSopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      messageId: 1,
      priority: 0,
      commandDataSetType: 0x0001,
      affectedSopInstanceUid: ctInstance,
    });
    expect(encoded.toString('hex')).toBe(golden.cStoreRq);
    const rsp = decodeCommandSet(Buffer.from(golden.cStoreRsp, 'hex'));
    expect(rsp).toMatchObject({
      commandField: 0x8001,
      messageIdBeingRespondedTo: 1,
      status: 0,
      affectedSopInstanceUid: ctInstance,
      commandDataSetType: 0x0101,
    });
    expect(encodeCommandSet(rsp).toString('hex')).toBe(golden.cStoreRsp);
  });

  it('pads AE and LO with spaces, encodes AT and every count element', () => {
    const cs = {
      commandField: CommandField.CMoveRsp,
      commandDataSetType: 0x0101,
      messageIdBeingRespondedTo: 7,
      status: 0xb000,
      moveDestination: 'DEST',
      moveOriginatorAeTitle: 'ODD',
      errorComment: 'bad',
      offendingElement: [0x00100020, 0x0020000d],
      numberOfRemainingSuboperations: 0,
      numberOfCompletedSuboperations: 3,
      numberOfFailedSuboperations: 1,
      numberOfWarningSuboperations: 2,
    };
    const bytes = encodeCommandSet(cs);
    expect(bytes.includes(Buffer.from('ODD '))).toBe(true);
    expect(bytes.includes(Buffer.from('bad '))).toBe(true);
    expect(bytes.includes(Buffer.from('1000200020000d00', 'hex'))).toBe(true);
    expect(decodeCommandSet(bytes)).toEqual(cs);
  });

  it('writes unknown elements between known ones in tag order, an odd one padded with NUL, byte for byte', () => {
    const bytes = encodeCommandSet({
      commandField: CommandField.CStoreRsp,
      commandDataSetType: 0x0101,
      messageIdBeingRespondedTo: 1,
      status: 0,
      unknownElements: new Map([
        [0x00004000, Buffer.from('xy')],
        [0x00000500, Buffer.from('abc')],
      ]),
    });
    expect(bytes.toString('hex')).toBe(
      [
        '00000000040000003e000000',
        '00000001020000000180',
        '00002001020000000100',
        '000000050400000061626300',
        '00000008020000000101',
        '00000009020000000000',
        '00000040020000007879',
      ].join(''),
    );
  });

  it('refuses values that do not fit their VR, naming the element', () => {
    const base = {
      commandField: CommandField.CEchoRsp,
      commandDataSetType: 0x0101,
      messageIdBeingRespondedTo: 1,
    };
    expect(() => encodeCommandSet({ ...base, status: 0x10000 })).toThrow(
      /status: expected an integer 0..65535/,
    );
    expect(() => encodeCommandSet({ ...base, status: 1.5 })).toThrow(/status: expected an integer/);
    expect(() => encodeCommandSet({ ...base, moveOriginatorAeTitle: 'A'.repeat(17) })).toThrow(
      /moveOriginatorAeTitle: AE title longer than 16 characters/,
    );
    expect(() => encodeCommandSet({ ...base, offendingElement: ['x' as unknown as number] })).toThrow(
      /offendingElement: tag 0 is not a number/,
    );
    expect(() => encodeCommandSet({ ...base, errorComment: 5 as unknown as string })).toThrow(
      /errorComment: expected a string/,
    );
  });

  it('keeps unknown group-0000 elements and writes them back in tag order', () => {
    const base = Buffer.from(golden.cEchoRq, 'hex').subarray(12);
    // (0000,0800) is the last element; add a retired (0000,4000) Comments element after it.
    const extra = Buffer.from('00000040040000004142', 'hex');
    const extra2 = Buffer.concat([extra, Buffer.from('4344', 'hex')]);
    extra2.writeUInt32LE(4, 4);
    const body = Buffer.concat([base, extra2]);
    const gl = Buffer.from('0000000004000000', 'hex');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    const full = Buffer.concat([gl, len, body]);
    const cs = decodeCommandSet(full);
    expect(cs.unknownElements?.get(0x00004000)?.toString()).toBe('ABCD');
    expect(encodeCommandSet(cs).equals(full)).toBe(true);
  });

  it('trims the NUL or space padding of UI values, and only the padding', () => {
    const ui = (value: string) => {
      const v = Buffer.from(value, 'latin1');
      const element = Buffer.alloc(8);
      element.writeUInt16LE(0x0002, 2);
      element.writeUInt32LE(v.length, 4);
      const rest = Buffer.from('0000000102000000300000000008020000000101', 'hex');
      const body = Buffer.concat([element, v, rest]);
      const head = Buffer.from('000000000400000000000000', 'hex');
      head.writeUInt32LE(body.length, 8);
      return decodeCommandSet(Buffer.concat([head, body])).affectedSopClassUid;
    };
    expect(ui('1.2.840.10008.1.1\0')).toBe('1.2.840.10008.1.1');
    expect(ui('1.2.840.10008.1.1 ')).toBe('1.2.840.10008.1.1');
    expect(ui('1.2.3\0 \0 ')).toBe('1.2.3');
    expect(ui('1.2.33')).toBe('1.2.33');
    expect(ui('')).toBe('');
  });

  it('names the field of a malformed command set', () => {
    const bytes = Buffer.from(golden.cEchoRq, 'hex');
    expect(() => decodeCommandSet(bytes.subarray(0, bytes.length - 1))).toThrow(
      /CommandDataSetType: value of length 2/,
    );
    const wrongLength = Buffer.from(bytes);
    wrongLength.writeUInt32LE(10, 8);
    expect(() => decodeCommandSet(wrongLength)).toThrow(
      /CommandGroupLength: says 10 bytes follow, but 56 do/,
    );
    const badUs = Buffer.from(bytes);
    badUs.writeUInt32LE(3, 0x24 + 4 - 4 + 4); // MessageID length field
    expect(() => decodeCommandSet(badUs)).toThrow(CommandSetError);
    const noField = Buffer.from('00000000040000000a00000000000008020000000101', 'hex');
    expect(() => decodeCommandSet(noField)).toThrow(/CommandField: missing/);
    const unknownTruncated = Buffer.concat([bytes, Buffer.from('0000004008000000414243', 'hex')]);
    expect(() => decodeCommandSet(unknownTruncated)).toThrow(/\(0000,4000\): value of length 8/);
    const notGroup0 = Buffer.concat([bytes, Buffer.from('0800160000000000', 'hex')]);
    expect(() => decodeCommandSet(notGroup0)).toThrow(/not in group 0000/);
  });

  it('checks mandatory elements and the data set rule of each message', () => {
    expect(() => toDimseMessage({ commandField: 0x0001, commandDataSetType: 0, messageId: 1 })).toThrow(
      /AffectedSOPClassUID|affectedSopClassUid/,
    );
    expect(() =>
      toDimseMessage({
        commandField: 0x0030,
        commandDataSetType: 0,
        messageId: 1,
        affectedSopClassUid: '1.2',
      }),
    ).toThrow(/must not announce a data set/);
    expect(() =>
      toDimseMessage({
        commandField: 0x0020,
        commandDataSetType: 0x0101,
        messageId: 1,
        affectedSopClassUid: '1.2',
        priority: 0,
      }),
    ).toThrow(/must announce a data set/);
    expect(() => toDimseMessage({ commandField: 0x1234, commandDataSetType: 0x0101 })).toThrow(
      /unknown command/,
    );
  });
});
