import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DicomParseError,
  type ElementEvent,
  ElementEventKind,
  ElementReader,
  encodeIdentifier,
  parsePart10,
  TransferSyntaxUid,
  tagToHex,
  transferSyntax,
} from '../src/index.js';
import { chunksOf, pydicomDataDir, runTool } from './pydicom.js';

interface Structure {
  transferSyntaxUid: string;
  offset: number;
  tags: [tag: string, items: number | null][];
}

const READ_TO_END = 0x1_0000_0000;

function walk(chunks: Iterable<Uint8Array>, ts: string, stopBeforeTag = READ_TO_END): ElementEvent[] {
  const info = transferSyntax(ts)!;
  const reader = new ElementReader(
    { explicitVr: info.explicitVr, littleEndian: info.littleEndian },
    { stopBeforeTag, capture: (e) => e.length <= 64 },
  );
  const events: ElementEvent[] = [];
  for (const chunk of chunks) events.push(...reader.push(chunk));
  events.push(...reader.end());
  return events;
}

/** Top-level tags with, for sequences, their number of items. */
function topLevel(events: ElementEvent[]): [string, number | null][] {
  const out: [string, number | null][] = [];
  for (const e of events) {
    if (e.kind === ElementEventKind.Element && e.element.depth === 0) {
      out.push([tagToHex(e.element.tag), e.element.vr === 'SQ' ? 0 : null]);
    } else if (e.kind === ElementEventKind.ItemStart && e.depth === 1) {
      const last = out.at(-1)!;
      last[1] = (last[1] ?? 0) + 1;
    }
  }
  return out;
}

describe('ElementReader on every pydicom test file pydicom reads', () => {
  let dir: string;
  let files: Record<string, Structure>;
  beforeAll(() => {
    dir = path.join(pydicomDataDir(), 'test_files');
    files = runTool<Record<string, Structure>>('pydicom-structure.py');
  });

  it('has files in every native syntax and several encapsulated ones', () => {
    const syntaxes = new Set(Object.values(files).map((f) => f.transferSyntaxUid));
    expect(Object.keys(files).length).toBeGreaterThan(50);
    expect(syntaxes.size).toBeGreaterThan(8);
  });

  it('finds the same top-level elements and sequence items as pydicom, whole and in random chunks', () => {
    for (const [name, want] of Object.entries(files)) {
      const bytes = readFileSync(path.join(dir, name));
      const split = parsePart10(bytes);
      expect(split.dataSetOffset, name).toBe(want.offset);
      let dataSet: Uint8Array = bytes.subarray(split.dataSetOffset);
      if (transferSyntax(want.transferSyntaxUid)?.deflated) dataSet = inflateRawSync(dataSet);
      if (name.includes('truncated')) {
        // pydicom reads a truncated value leniently; a streaming reader must say the input ended early.
        expect(() => walk([dataSet], want.transferSyntaxUid), name).toThrow(/ends inside/);
        continue;
      }
      let whole: ElementEvent[] = [];
      expect(() => {
        whole = walk([dataSet], want.transferSyntaxUid);
      }, name).not.toThrow();
      // pydicom reports an SQ's items; encapsulated Pixel Data is OB for it, and our reader says OB too.
      const ours = topLevel(whole).map(([t, n]) => [t, n] as const);
      expect(ours, name).toEqual(want.tags.map(([t, n]) => [t, t === '7FE00010' ? null : n]));
      const chunked = walk(chunksOf(dataSet, name.length, 97), want.transferSyntaxUid);
      expect(chunked, name).toEqual(whole);
    }
  });

  it('stops before Pixel Data by default without reading it', () => {
    const bytes = readFileSync(path.join(dir, 'CT_small.dcm'));
    const split = parsePart10(bytes);
    const events = walk([bytes.subarray(split.dataSetOffset)], split.transferSyntaxUid, 0x7fe00010);
    const stop = events.at(-1)!;
    expect(stop.kind).toBe(ElementEventKind.Stop);
    expect(stop.kind === ElementEventKind.Stop && stop.tag).toBe(0x7fe00010);
    // CT_small is 39206 bytes, 32768 of them pixels: the stop is before them.
    expect(stop.kind === ElementEventKind.Stop && stop.offset).toBeLessThan(
      bytes.length - split.dataSetOffset - 32768,
    );
  });
});

describe('ElementReader structures', () => {
  const ts = TransferSyntaxUid.ExplicitVrLittleEndian;

  it('reads a UN sequence of undefined length as Implicit VR Little Endian inside (PS3.5 6.2.2)', () => {
    // Explicit LE: (0009,1010) UN, undefined length; item with (0008,0100) SH in implicit LE; then PatientID.
    const implicitItem = Buffer.from([0x08, 0x00, 0x00, 0x01, 4, 0, 0, 0, ...Buffer.from('CODE')]);
    const bytes = Buffer.concat([
      Buffer.from([0x09, 0x00, 0x10, 0x10, 0x55, 0x4e, 0, 0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0xfe, 0xff, 0x00, 0xe0, implicitItem.length, 0, 0, 0]),
      implicitItem,
      Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
      encodeIdentifier({ PatientID: 'P1' }, ts),
    ]);
    const events = walk([bytes], ts);
    const elements = events.filter((e) => e.kind === ElementEventKind.Element);
    expect(elements.map((e) => [tagToHex(e.element.tag), e.element.vr, e.element.depth])).toEqual([
      ['00091010', 'UN', 0],
      ['00080100', 'SH', 1],
      ['00100020', 'LO', 0],
    ]);
    expect(Buffer.from(elements[1]!.value!).toString()).toBe('CODE');
  });

  it('closes nested defined-length items and sequences at the same offset', () => {
    const bytes = encodeIdentifier(
      {
        ReferencedStudySequence: [{ ReferencedSOPInstanceUID: '1.2', ReferencedSeriesSequence: [{}] }],
        PatientID: 'X',
      },
      ts,
    );
    const kinds = walk([bytes], ts).map((e) =>
      e.kind === ElementEventKind.Element ? tagToHex(e.element.tag) : e.kind,
    );
    expect(kinds).toEqual([
      '00081110',
      'item-start',
      '00081115',
      'item-start',
      'item-end',
      'sequence-end',
      '00081155',
      'item-end',
      'sequence-end',
      '00100020',
    ]);
  });

  it('names the problem and the offset of malformed input', () => {
    const first = encodeIdentifier({ PatientName: 'A' }, ts); // 10 bytes
    const badVr = Buffer.concat([first, Buffer.from([0x10, 0x00, 0x20, 0x00, 0x5a, 0x5a, 0, 0])]);
    expect(() => walk([badVr], ts)).toThrow(/\(0010,0020\): invalid VR "ZZ".*offset 14/);
    const strayItem = Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0]);
    expect(() => walk([strayItem], ts)).toThrow(DicomParseError);
    const truncated = encodeIdentifier({ PatientID: 'P1234567' }, ts).subarray(0, 12);
    expect(() => walk([truncated], ts)).toThrow(/ends inside an element/);
    // A defined-length item (4 bytes) holding an 10-byte element overruns it.
    const overrun = Buffer.concat([
      Buffer.from([0x08, 0x00, 0x10, 0x11, 0x53, 0x51, 0, 0, 22, 0, 0, 0]),
      Buffer.from([0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0]),
      encodeIdentifier({ PatientID: 'P1' }, ts),
    ]);
    expect(() => walk([overrun], ts)).toThrow(/overruns/);
    // A million nested undefined-length sequences and items: refused early, not a stack of a million.
    const level = Buffer.from([
      ...[0x08, 0x00, 0x10, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff],
      ...[0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff],
    ]);
    expect(() => walk([Buffer.concat(Array.from({ length: 1_000_000 }, () => level))], ts)).toThrow(
      /nested deeper/,
    );
  });
});
