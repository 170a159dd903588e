import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPart10,
  canTranscode,
  encodeIdentifier,
  parsePart10,
  readDataSetHeader,
  TransferSyntaxUid,
  transcodeDataSet,
  transcodeDataSetSync,
  transferSyntax,
  UnsupportedTransferSyntaxError,
} from '../src/index.js';
import { chunksOf, pydicomDataDir, REAL_FILES } from './pydicom.js';

const TARGETS = [
  ['+ti', TransferSyntaxUid.ImplicitVrLittleEndian],
  ['+te', TransferSyntaxUid.ExplicitVrLittleEndian],
  ['+tb', TransferSyntaxUid.ExplicitVrBigEndian],
] as const;

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe('transcoding between native transfer syntaxes', () => {
  let dir: string;
  let work: string;
  let files: { name: string; dataSet: Buffer; ts: string }[];
  beforeAll(() => {
    dir = path.join(pydicomDataDir(), 'test_files');
    work = mkdtempSync(path.join(tmpdir(), 'dicomesh-transcode-'));
    files = REAL_FILES.map((name) => {
      const bytes = readFileSync(path.join(dir, name));
      const split = parsePart10(bytes);
      return { name, dataSet: bytes.subarray(split.dataSetOffset), ts: split.transferSyntaxUid };
    }).filter((f) => !transferSyntax(f.ts)!.encapsulated);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has native files in all four syntaxes', () => {
    expect(new Set(files.map((f) => f.ts)).size).toBe(4);
  });

  it('writes the same bytes as DCMTK dcmconv (undefined lengths, no group lengths), whole and streamed', async () => {
    let compared = 0;
    for (const { name, dataSet, ts } of files) {
      for (const [option, target] of TARGETS) {
        if (ts === target) continue;
        const golden = path.join(work, `${name}${option}.bin`);
        execFileSync('dcmconv', ['-F', '-e', '-g', option, path.join(dir, name), golden]);
        const want = readFileSync(golden);
        const whole = Buffer.from(transcodeDataSetSync(dataSet, ts, target));
        expect(whole.equals(want), `${name} -> ${option}`).toBe(true);
        const streamed = await collect(transcodeDataSet(chunksOf(dataSet, option.length, 333), ts, target));
        expect(streamed.equals(want), `${name} -> ${option} streamed`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(16);
  });

  it('deflates and inflates; DCMTK reads the deflated result', async () => {
    for (const { name, dataSet, ts } of files) {
      const deflated = Buffer.from(
        transcodeDataSetSync(dataSet, ts, TransferSyntaxUid.DeflatedExplicitVrLittleEndian),
      );
      const streamed = await collect(
        transcodeDataSet([dataSet], ts, TransferSyntaxUid.DeflatedExplicitVrLittleEndian),
      );
      const explicit = transcodeDataSetSync(dataSet, ts, TransferSyntaxUid.ExplicitVrLittleEndian);
      if (ts !== TransferSyntaxUid.DeflatedExplicitVrLittleEndian) {
        expect(inflateRawSync(deflated).equals(Buffer.from(explicit)), name).toBe(true);
        expect(inflateRawSync(streamed).equals(Buffer.from(explicit)), name).toBe(true);
      }
      const header = await readDataSetHeader(dataSet, ts);
      const file = path.join(work, `${name}.dfl.dcm`);
      writeFileSync(
        file,
        buildPart10(
          {
            sopClassUid: header.sopClassUid!,
            sopInstanceUid: header.sopInstanceUid!,
            transferSyntaxUid: TransferSyntaxUid.DeflatedExplicitVrLittleEndian,
            implementationClassUid: '1.2.3.4',
          },
          deflated,
        ),
      );
      const dump = execFileSync('dcmdump', ['+P', '0008,0018', file], { encoding: 'utf8' });
      expect(dump, name).toContain(header.sopInstanceUid);
    }
  });

  it('refuses encapsulated syntaxes', () => {
    expect(canTranscode(TransferSyntaxUid.JpegBaseline8Bit, TransferSyntaxUid.ExplicitVrLittleEndian)).toBe(
      false,
    );
    expect(
      canTranscode(TransferSyntaxUid.ExplicitVrBigEndian, TransferSyntaxUid.ImplicitVrLittleEndian),
    ).toBe(true);
    expect(() =>
      transcodeDataSetSync(
        new Uint8Array(0),
        TransferSyntaxUid.RleLossless,
        TransferSyntaxUid.ExplicitVrLittleEndian,
      ),
    ).toThrow(UnsupportedTransferSyntaxError);
  });
});

describe('streaming transcoding of a large object', () => {
  it('converts 24 MiB of big endian pixel data in bounded pieces, byte-swapped', async () => {
    const pixels = new Uint8Array(24 * 1024 * 1024);
    for (let i = 0; i < pixels.length; i += 2) {
      pixels[i] = (i >> 9) & 0xff; // high byte first: big endian 16-bit samples
      pixels[i + 1] = i & 0xff;
    }
    const head = Buffer.from(
      transcodeDataSetSync(
        encodeIdentifier(
          { SOPInstanceUID: '1.2.3', Rows: 4096, Columns: 3072, BitsAllocated: 16 },
          TransferSyntaxUid.ExplicitVrLittleEndian,
        ),
        TransferSyntaxUid.ExplicitVrLittleEndian,
        TransferSyntaxUid.ExplicitVrBigEndian,
      ),
    );
    const pixelHeader = Buffer.from([0x7f, 0xe0, 0x00, 0x10, 0x4f, 0x57, 0, 0, 0x01, 0x80, 0x00, 0x00]);
    const source = function* () {
      yield head;
      yield pixelHeader;
      for (let o = 0; o < pixels.length; o += 1024 * 1024 + 1) yield pixels.subarray(o, o + 1024 * 1024 + 1);
    };
    let largest = 0;
    const parts: Uint8Array[] = [];
    for await (const part of transcodeDataSet(
      source(),
      TransferSyntaxUid.ExplicitVrBigEndian,
      TransferSyntaxUid.ImplicitVrLittleEndian,
    )) {
      largest = Math.max(largest, part.length);
      parts.push(part);
    }
    expect(largest).toBeLessThanOrEqual(1024 * 1024 + 16);
    const out = Buffer.concat(parts);
    const pixelStart = out.length - pixels.length;
    expect(out.readUInt32LE(pixelStart - 4)).toBe(pixels.length); // implicit VR: 32-bit length
    for (const i of [0, 2, 513 * 2, pixels.length - 2]) {
      expect(out[pixelStart + i], `byte ${i}`).toBe(pixels[i + 1]);
      expect(out[pixelStart + i + 1], `byte ${i + 1}`).toBe(pixels[i]);
    }
    expect((await readDataSetHeader(out, TransferSyntaxUid.ImplicitVrLittleEndian)).sopInstanceUid).toBe(
      '1.2.3',
    );
  });
});
