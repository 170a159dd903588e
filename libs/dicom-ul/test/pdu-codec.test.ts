import { readFileSync } from 'node:fs';
import {
  AbortReason,
  ASSOCIATE_PDU_MAX_LENGTH,
  type AssociateAcPdu,
  type AssociateRqPdu,
  decodePdu,
  encodePdu,
  ItemType,
  type Pdu,
  PduDecodeError,
  PduStreamDecoder,
  PduType,
} from '@dicomesh/dicom-ul';
import { describe, expect, it } from 'vitest';

const goldenDir = new URL('./golden/', import.meta.url);

interface GoldenEntry {
  file: string;
  scenario: string;
  direction: string;
  pduType: number;
  length: number;
  callingAeTitle: string;
  calledAeTitle: string;
  contexts?: { id: number; abstractSyntax: string; transferSyntaxes: string[]; result: number }[];
  peerImplementationClassUid?: string;
  abort?: { source: number; reason: number };
  reject?: { result: number; source: number; reason: number };
  userIdentity?: {
    type: number;
    primaryField: string;
    secondaryField: string;
    positiveResponseRequested: boolean;
  };
  contextCount?: number;
  transferSyntaxesPerContext?: number;
  roleSelectionAllScp?: boolean;
}

const golden = JSON.parse(readFileSync(new URL('golden.json', goldenDir), 'utf8')) as { pdus: GoldenEntry[] };

/** Feed bytes to a fresh stream decoder in the given chunk sizes; return PDUs and errors. */
function stream(
  bytes: Buffer,
  chunkSizes: () => number,
  maxPDataLength = 262144,
): { pdus: Pdu[]; errors: PduDecodeError[] } {
  const pdus: Pdu[] = [];
  const errors: PduDecodeError[] = [];
  const decoder = new PduStreamDecoder({
    maxPDataLength,
    onPdu: (p) => pdus.push(p),
    onError: (e) => errors.push(e),
  });
  for (let off = 0; off < bytes.length; ) {
    const n = Math.max(1, chunkSizes());
    decoder.push(bytes.subarray(off, off + n));
    off += n;
  }
  return { pdus, errors };
}

/** A seeded PRNG, so a failing chunking can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * DCMTK writes 0xFF in the third reserved byte of each presentation context RQ item; PS3.8 says reserved bytes are
 * sent as 00H and not tested, so re-encoding is canonical except there. Zero them to compare.
 */
function zeroReservedContextBytes(rq: Buffer): Buffer {
  const out = Buffer.from(rq);
  let off = 6 + 68;
  while (off < out.length) {
    const type = out[off]!;
    const len = out.readUInt16BE(off + 2);
    if (type === ItemType.PresentationContextRq) out[off + 6] = 0;
    off += 4 + len;
  }
  return out;
}

describe('golden PDUs captured from DCMTK (test/golden/golden.json)', () => {
  it('has the PDU types the brief asks for', () => {
    const types = new Set(golden.pdus.map((p) => p.pduType));
    expect([...types].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  for (const entry of golden.pdus) {
    describe(entry.file, () => {
      const bytes = readFileSync(new URL(entry.file, goldenDir));
      const whole = decodePdu(bytes);

      it('has the annotated type and length', () => {
        expect(bytes.length).toBe(entry.length);
        expect(whole.type).toBe(entry.pduType);
      });

      it('decodes identically whole, one byte at a time and in random chunks', () => {
        const oneByte = stream(bytes, () => 1);
        expect(oneByte.errors).toEqual([]);
        expect(oneByte.pdus).toEqual([whole]);
        for (let seed = 1; seed <= 20; seed++) {
          const rnd = prng(seed);
          const chunked = stream(bytes, () => 1 + Math.floor(rnd() * 300));
          expect(chunked.errors, `seed ${seed}`).toEqual([]);
          expect(chunked.pdus, `seed ${seed}`).toEqual([whole]);
        }
        // Several PDUs back to back in one stream come out in order.
        const triple = stream(Buffer.concat([bytes, bytes, bytes]), () => 7);
        expect(triple.pdus).toEqual([whole, whole, whole]);
      });

      it('holds the annotated fields', () => {
        checkFields(whole, entry);
      });

      it('re-encodes to the same bytes', () => {
        const again = encodePdu(whole);
        if (whole.type === PduType.AssociateRq) expect(again).toEqual(zeroReservedContextBytes(bytes));
        else expect(again).toEqual(bytes);
      });
    });
  }
});

function checkFields(pdu: Pdu, entry: GoldenEntry): void {
  switch (pdu.type) {
    case PduType.AssociateRq:
    case PduType.AssociateAc:
      checkAssociate(pdu, entry);
      break;
    case PduType.AssociateRj:
      expect(entry.reject).toBeDefined();
      expect({ result: pdu.result, source: pdu.source, reason: pdu.reason }).toEqual(entry.reject);
      break;
    case PduType.Abort:
      expect({ source: pdu.source, reason: pdu.reason }).toEqual(entry.abort);
      break;
    case PduType.PDataTf: {
      expect(pdu.pdvs.length).toBeGreaterThan(0);
      const total = pdu.pdvs.reduce((n, p) => n + 6 + p.data.length, 0);
      expect(total).toBe(entry.length - 6);
      for (const pdv of pdu.pdvs) expect(pdv.contextId % 2).toBe(1);
      // The first PDV of every DIMSE message here is a command: group 0000 element, Implicit VR LE.
      if (pdu.pdvs[0]!.isCommand) expect(pdu.pdvs[0]!.data.readUInt16LE(0)).toBe(0x0000);
      break;
    }
    case PduType.ReleaseRq:
    case PduType.ReleaseRp:
      expect(entry.length).toBe(10);
      break;
  }
}

function checkAssociate(pdu: AssociateRqPdu | AssociateAcPdu, entry: GoldenEntry): void {
  expect(pdu.callingAeTitle).toBe(entry.callingAeTitle);
  expect(pdu.calledAeTitle).toBe(entry.calledAeTitle);
  expect(pdu.applicationContext).toBe('1.2.840.10008.3.1.1.1');
  expect(pdu.protocolVersion).toBe(1);
  const ui = pdu.userInformation;
  expect(ui.maxLength).toBeGreaterThan(0);
  expect(ui.implementationClassUid).toMatch(/^1\.2\.276\.0\.7230010\.3/);
  expect(ui.implementationVersionName).toMatch(/^OFFIS_DCMTK_/);
  if (entry.peerImplementationClassUid)
    expect(ui.implementationClassUid).toBe(entry.peerImplementationClassUid);
  if (pdu.type === PduType.AssociateRq) {
    if (entry.contexts) {
      expect(pdu.presentationContexts).toEqual(
        entry.contexts.map(({ id, abstractSyntax, transferSyntaxes }) => ({
          id,
          abstractSyntax,
          transferSyntaxes,
        })),
      );
    }
    if (entry.contextCount) expect(pdu.presentationContexts).toHaveLength(entry.contextCount);
    if (entry.transferSyntaxesPerContext) {
      for (const pc of pdu.presentationContexts)
        expect(pc.transferSyntaxes).toHaveLength(entry.transferSyntaxesPerContext);
    }
    expect(pdu.presentationContexts.map((pc) => pc.id)).toEqual(
      pdu.presentationContexts.map((_, i) => 2 * i + 1),
    );
    if (entry.userIdentity) {
      const id = ui.userIdentity!;
      expect({
        type: id.type,
        primaryField: id.primaryField.toString(),
        secondaryField: id.secondaryField.toString(),
        positiveResponseRequested: id.positiveResponseRequested,
      }).toEqual(entry.userIdentity);
    }
    if (entry.roleSelectionAllScp) {
      expect(ui.roleSelection.length).toBeGreaterThan(10);
      for (const role of ui.roleSelection) expect(role).toMatchObject({ scu: false, scp: true });
    }
  } else if (entry.contexts) {
    expect(pdu.presentationContexts).toEqual(
      entry.contexts.map(({ id, transferSyntaxes, result }) => ({
        id,
        result,
        transferSyntax: transferSyntaxes[0],
      })),
    );
  }
}

function rq(overrides: Partial<AssociateRqPdu> = {}): AssociateRqPdu {
  return {
    type: PduType.AssociateRq,
    protocolVersion: 1,
    calledAeTitle: 'CALLED',
    callingAeTitle: 'CALLING',
    applicationContext: '1.2.840.10008.3.1.1.1',
    presentationContexts: [
      { id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'] },
    ],
    userInformation: {
      maxLength: 16384,
      implementationClassUid: '1.2.3.4',
      implementationVersionName: 'TEST',
      roleSelection: [],
      extendedNegotiation: [],
      commonExtendedNegotiation: [],
    },
    ...overrides,
  };
}

describe('PDU codec', () => {
  it('round-trips every user-information sub-item of A-ASSOCIATE-RQ', () => {
    const pdu = rq({
      userInformation: {
        maxLength: 0,
        implementationClassUid: '1.2.3.4.5',
        implementationVersionName: 'VERSION_1',
        asyncOperationsWindow: { maxOperationsInvoked: 5, maxOperationsPerformed: 0 },
        roleSelection: [
          { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', scu: false, scp: true },
          { sopClassUid: '1.2.840.10008.5.1.4.1.1.4', scu: true, scp: true },
        ],
        extendedNegotiation: [{ sopClassUid: '1.2.840.10008.5.1.4.1.2.2.1', info: Buffer.from([1, 0, 1]) }],
        commonExtendedNegotiation: [
          {
            sopClassUid: '1.2.840.10008.5.1.4.1.1.88.22',
            serviceClassUid: '1.2.840.10008.4.2',
            relatedGeneralSopClassUids: ['1.2.840.10008.5.1.4.1.1.88.11', '1.2.840.10008.5.1.4.1.1.88.33'],
          },
        ],
        userIdentity: {
          type: 2,
          positiveResponseRequested: true,
          primaryField: Buffer.from('bob'),
          secondaryField: Buffer.from('pw'),
        },
      },
    });
    const bytes = encodePdu(pdu);
    expect(decodePdu(bytes)).toEqual(pdu);
  });

  it('round-trips A-ASSOCIATE-AC with user identity response and results 0-4', () => {
    const ac: AssociateAcPdu = {
      type: PduType.AssociateAc,
      protocolVersion: 1,
      calledAeTitle: 'CALLED',
      callingAeTitle: 'CALLING',
      applicationContext: '1.2.840.10008.3.1.1.1',
      presentationContexts: [0, 1, 2, 3, 4].map((result, i) => ({
        id: 2 * i + 1,
        result,
        transferSyntax: '1.2.840.10008.1.2',
      })),
      userInformation: {
        maxLength: 32768,
        implementationClassUid: '1.2.3',
        roleSelection: [{ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', scu: false, scp: true }],
        extendedNegotiation: [],
        commonExtendedNegotiation: [],
        userIdentityResponse: Buffer.from('token'),
      },
    };
    expect(decodePdu(encodePdu(ac))).toEqual(ac);
  });

  it('pads AE titles to 16 bytes with spaces and trims them on decode', () => {
    const bytes = encodePdu(rq({ calledAeTitle: 'A', callingAeTitle: 'SIXTEEN_CHARS_AE' }));
    expect(bytes.subarray(10, 26).toString('latin1')).toBe('A               ');
    expect(bytes.subarray(26, 42).toString('latin1')).toBe('SIXTEEN_CHARS_AE');
    expect(() => encodePdu(rq({ calledAeTitle: 'SEVENTEEN_CHARS_A' }))).toThrow(/called AE title/);
  });

  it('encodes P-DATA-TF PDVs with the message control header', () => {
    const bytes = encodePdu({
      type: PduType.PDataTf,
      pdvs: [
        { contextId: 3, isCommand: true, isLast: true, data: Buffer.from([9, 9]) },
        { contextId: 3, isCommand: false, isLast: false, data: Buffer.from([7]) },
      ],
    });
    expect([...bytes]).toEqual([4, 0, 0, 0, 0, 15, 0, 0, 0, 4, 3, 3, 9, 9, 0, 0, 0, 3, 3, 0, 7]);
  });

  it('names the PDU, field and offset when a field runs past the end', () => {
    const bytes = encodePdu(rq()).subarray(0, 12);
    const body = Buffer.from(bytes.subarray(6));
    const header = Buffer.alloc(6);
    header[0] = 1;
    header.writeUInt32BE(body.length, 2);
    expect(() => decodePdu(Buffer.concat([header, body]))).toThrow(
      'A-ASSOCIATE-RQ: called AE title: offset 12 past end (needs 16 bytes at offset 10, 2 left)',
    );
  });

  it('rejects an item whose length overruns its parent', () => {
    const bytes = Buffer.from(encodePdu(rq()));
    // The application context item starts right after the 68-byte fixed part; claim 0x7000 bytes.
    bytes.writeUInt16BE(0x7000, 6 + 68 + 2);
    expect(() => decodePdu(bytes)).toThrow(
      /A-ASSOCIATE-RQ: item 0x10 at offset 74: length 28672 at offset 78 overruns its parent/,
    );
  });

  it('rejects a sub-item overrunning its presentation context item', () => {
    const bytes = Buffer.from(encodePdu(rq()));
    const pcOffset = 6 + 68 + 4 + '1.2.840.10008.3.1.1.1'.length;
    expect(bytes[pcOffset]).toBe(0x20);
    bytes.writeUInt16BE(200, pcOffset + 8 + 2); // abstract syntax sub-item claims 200 bytes
    expect(() => decodePdu(bytes)).toThrow(
      /item 0x20 at offset 99: item 0x30 at offset 107: length 200 .* overruns its parent/,
    );
  });

  it('skips unknown items and sub-items (PS3.8 9.3.1)', () => {
    const pdu = rq();
    const bytes = encodePdu(pdu);
    const unknownItem = Buffer.from([0x7f, 0, 0, 3, 1, 2, 3]);
    const unknownSub = Buffer.from([0x5f, 0, 0, 1, 9]);
    // Append an unknown item at PDU level and an unknown sub-item inside user information.
    const uiOffset = bytes.indexOf(Buffer.from([0x50, 0]), 6 + 68);
    const uiLength = bytes.readUInt16BE(uiOffset + 2);
    const ui = Buffer.concat([bytes.subarray(uiOffset, uiOffset + 4 + uiLength), unknownSub]);
    ui.writeUInt16BE(uiLength + unknownSub.length, 2);
    const body = Buffer.concat([bytes.subarray(6, uiOffset), unknownItem, ui]);
    const header = Buffer.from([1, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(body.length, 2);
    expect(decodePdu(Buffer.concat([header, body]))).toEqual(pdu);
  });

  it('rejects even presentation context IDs and more than 128 contexts with invalid-PDU-parameter-value', () => {
    const even = encodePdu(rq());
    const pcOffset = 6 + 68 + 4 + '1.2.840.10008.3.1.1.1'.length;
    const evenBytes = Buffer.from(even);
    evenBytes[pcOffset + 4] = 2;
    expect(() => decodePdu(evenBytes)).toThrow(/presentation context ID: 2 is even/);
    const contexts = Array.from({ length: 129 }, (_, i) => ({
      id: (2 * i + 1) % 256,
      abstractSyntax: '1.2.840.10008.1.1',
      transferSyntaxes: ['1.2.840.10008.1.2'],
    }));
    try {
      decodePdu(encodePdu(rq({ presentationContexts: contexts })));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PduDecodeError);
      expect((error as PduDecodeError).message).toMatch(/1 repeated \(more than 128 contexts\)/);
      expect((error as PduDecodeError).abortReason).toBe(AbortReason.InvalidPduParameterValue);
    }
    const max = contexts.slice(0, 128);
    expect(
      (decodePdu(encodePdu(rq({ presentationContexts: max }))) as AssociateRqPdu).presentationContexts,
    ).toHaveLength(128);
  });
});

describe('PduStreamDecoder limits', () => {
  it('rejects a PDU announcing 4 GiB from its header alone, before buffering', () => {
    const errors: PduDecodeError[] = [];
    const decoder = new PduStreamDecoder({
      maxPDataLength: 16384,
      onPdu: () => {},
      onError: (e) => errors.push(e),
    });
    decoder.push(Buffer.from([4, 0, 0xff, 0xff, 0xff, 0xff]));
    expect(errors.map((e) => e.message)).toEqual(['P-DATA-TF: PDU length 4294967295 over maximum 16396']);
    expect(decoder.failed).toBe(true);
    decoder.push(Buffer.alloc(100000));
    expect(decoder.buffered).toBe(0);
    expect(errors).toHaveLength(1);
  });

  it('caps association PDUs at 256 KiB and fixed PDUs at 4 bytes', () => {
    const lengths: [number, number, boolean][] = [
      [1, ASSOCIATE_PDU_MAX_LENGTH, true],
      [1, ASSOCIATE_PDU_MAX_LENGTH + 1, false],
      [5, 4, true],
      [5, 5, false],
      [7, 6, false],
    ];
    for (const [type, length, ok] of lengths) {
      const errors: PduDecodeError[] = [];
      const decoder = new PduStreamDecoder({
        maxPDataLength: 16384,
        onPdu: () => {},
        onError: (e) => errors.push(e),
      });
      const header = Buffer.from([type, 0, 0, 0, 0, 0]);
      header.writeUInt32BE(length, 2);
      decoder.push(header);
      expect(errors.length, `type ${type} length ${length}`).toBe(ok ? 0 : 1);
    }
  });

  it('reports an unknown PDU type as unrecognized-PDU', () => {
    const errors: PduDecodeError[] = [];
    const decoder = new PduStreamDecoder({
      maxPDataLength: 16384,
      onPdu: () => {},
      onError: (e) => errors.push(e),
    });
    decoder.push(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.abortReason).toBe(AbortReason.UnrecognizedPdu);
    expect(errors[0]!.message).toBe('PDU: type 0x47 unrecognized');
  });

  it('accepts P-DATA-TF up to the maximum plus the allowance', () => {
    const pdus: Pdu[] = [];
    const errors: PduDecodeError[] = [];
    const decoder = new PduStreamDecoder({
      maxPDataLength: 100,
      onPdu: (p) => pdus.push(p),
      onError: (e) => errors.push(e),
    });
    const ok = encodePdu({
      type: PduType.PDataTf,
      pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(100) }],
    });
    decoder.push(ok);
    expect(pdus).toHaveLength(1);
    const over = encodePdu({
      type: PduType.PDataTf,
      pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(107) }],
    });
    decoder.push(over);
    expect(errors.map((e) => e.message)).toEqual(['P-DATA-TF: PDU length 113 over maximum 112']);
  });

  it('reports a P-DATA-TF with a PDV item overrunning the PDU', () => {
    const errors: PduDecodeError[] = [];
    const decoder = new PduStreamDecoder({
      maxPDataLength: 16384,
      onPdu: () => {},
      onError: (e) => errors.push(e),
    });
    decoder.push(Buffer.from([4, 0, 0, 0, 0, 8, 0, 0, 0, 50, 1, 3, 0, 0]));
    expect(errors.map((e) => e.message)).toEqual([
      'P-DATA-TF: PDV item at offset 6: length 50 at offset 10 overruns its parent (4 bytes left)',
    ]);
  });
});

describe('decoder robustness', () => {
  it('never throws on mutated golden PDUs: every input ends in a PDU or one error', () => {
    const rnd = prng(42);
    const inputs = golden.pdus.map((p) => readFileSync(new URL(p.file, goldenDir)));
    let pdus = 0;
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const original = inputs[i % inputs.length]!;
      const bytes = Buffer.from(original);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.2 ? bytes.subarray(0, Math.floor(rnd() * bytes.length)) : bytes;
      const result = stream(cut, () => 1 + Math.floor(rnd() * 64));
      expect(result.errors.length).toBeLessThanOrEqual(1);
      pdus += result.pdus.length;
      errors += result.errors.length;
      for (const e of result.errors) expect(e).toBeInstanceOf(PduDecodeError);
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(pdus).toBeGreaterThan(100);
    expect(errors).toBeGreaterThan(100);
  });
});

describe('P-DATA-TF spread over several reads', () => {
  const FRAGMENT = 300_000;

  function pdataTf(fragmentLength: number): Buffer {
    const data = Buffer.alloc(fragmentLength);
    for (let i = 0; i < fragmentLength; i++) data[i] = (i * 7) & 0xff;
    return encodePdu({
      type: PduType.PDataTf,
      pdvs: [{ contextId: 1, isCommand: false, isLast: true, data }],
    } as Pdu);
  }

  it('hands a large fragment on as views of the reads, equal to the whole-buffer decode', () => {
    const bytes = pdataTf(FRAGMENT);
    const whole = decodePdu(bytes);
    const { pdus, errors } = stream(bytes, () => 64 * 1024, 1024 * 1024);
    expect(errors).toEqual([]);
    const pdv = (pdus[0] as Extract<Pdu, { type: typeof PduType.PDataTf }>).pdvs[0];
    const wholePdv = (whole as Extract<Pdu, { type: typeof PduType.PDataTf }>).pdvs[0];
    expect(pdv?.slices?.length).toBeGreaterThan(1);
    expect(Buffer.concat(pdv?.slices ?? []).equals(pdv?.data ?? Buffer.alloc(0))).toBe(true);
    expect(pdv?.data.equals(wholePdv?.data ?? Buffer.alloc(0))).toBe(true);
    expect([pdv?.contextId, pdv?.isCommand, pdv?.isLast]).toEqual([
      wholePdv?.contextId,
      wholePdv?.isCommand,
      wholePdv?.isLast,
    ]);
  });

  it('refuses an item overrunning its PDU with the same error as the whole-buffer decode', () => {
    const bytes = pdataTf(FRAGMENT);
    // The first PDV item's length (after the 6-byte PDU header) announces 16 bytes more than the PDU holds.
    bytes.writeUInt32BE(bytes.readUInt32BE(6) + 16, 6);
    const wholeError = (() => {
      try {
        decodePdu(bytes);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    expect(wholeError).toBeInstanceOf(PduDecodeError);
    const { pdus, errors } = stream(bytes, () => 64 * 1024, 1024 * 1024);
    expect(pdus).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([wholeError?.message]);
  });

  it('refuses an even presentation context ID in a sliced PDU', () => {
    const bytes = pdataTf(FRAGMENT);
    bytes[10] = 2; // the PDV item's context ID, after the PDU header (6) and the item length (4)
    const { pdus, errors } = stream(bytes, () => 64 * 1024, 1024 * 1024);
    expect(pdus).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
