import { randomBytes } from 'node:crypto';
import type { PresentationDataValue } from '@dicomesh/dicom-ul';
import { describe, expect, it } from 'vitest';
import {
  CommandField,
  DimseProtocolError,
  encodeCommandSet,
  fragmentMessage,
  MAX_BATCH_BYTES,
  MessageReassembler,
  type ReassembledMessage,
} from '../src/index.js';

const command = encodeCommandSet({
  commandField: CommandField.CStoreRq,
  commandDataSetType: 1,
  affectedSopClassUid: '1.2.840.10008.5.1.4.1.1.7',
  affectedSopInstanceUid: '1.2.3.4.5.6.7.8.9',
  messageId: 3,
  priority: 0,
});

async function collect(
  it: Iterable<PresentationDataValue[]> | AsyncIterable<PresentationDataValue[]>,
): Promise<PresentationDataValue[]> {
  const out: PresentationDataValue[] = [];
  for await (const batch of it) {
    expect(batch.length).toBeGreaterThan(0);
    out.push(...batch);
  }
  return out;
}

async function batches(
  it: Iterable<PresentationDataValue[]> | AsyncIterable<PresentationDataValue[]>,
): Promise<PresentationDataValue[][]> {
  const out: PresentationDataValue[][] = [];
  for await (const batch of it) out.push(batch);
  return out;
}

/** Reassemble PDVs and return the command and the data set bytes. */
async function reassemble(pdvs: PresentationDataValue[]): Promise<{ m: ReassembledMessage; data: Buffer }> {
  let got: ReassembledMessage | undefined;
  const r = new MessageReassembler(
    { onMessage: (m) => (got = m), pause: () => {}, resume: () => {} },
    (id) => id === 5,
  );
  r.push(pdvs);
  if (!got) throw new Error('no message');
  const parts: Buffer[] = [];
  if (got.dataset) for await (const c of got.dataset) parts.push(c as Buffer);
  return { m: got, data: Buffer.concat(parts) };
}

function* chunked(data: Buffer, sizes: number[]): Generator<Buffer> {
  let o = 0;
  let i = 0;
  while (o < data.length) {
    const n = sizes[i++ % sizes.length] as number;
    yield data.subarray(o, o + n);
    o += n;
  }
}

describe('fragmenting and reassembly', () => {
  const sizes = [0, 1, 2, 4089, 4090, 4091, 8180, 16377, 16378, 16379, 100_000, 1_000_003];
  const maxima = [4096, 16384, 4097, 12345, 0];
  for (const max of maxima) {
    it(`respects max PDU ${max} and reassembles byte-exact for ${sizes.length} sizes, buffer and streamed`, async () => {
      for (const size of sizes) {
        const data = randomBytes(size);
        for (const source of [
          data,
          chunked(data, [7, 1000, 65536, 3]),
          (async function* () {
            yield* chunked(data, [4090]);
          })(),
        ]) {
          const pdvs = await collect(fragmentMessage(5, command, source, max));
          for (const p of pdvs) {
            // One PDV per PDU: the PDU's variable field is the PDV (4-byte length + 2 header bytes + data).
            if (max !== 0) expect(6 + p.data.length).toBeLessThanOrEqual(max);
            expect(p.contextId).toBe(5);
          }
          const commandPdvs = pdvs.filter((p) => p.isCommand);
          const dataPdvs = pdvs.filter((p) => !p.isCommand);
          // command first, then data set; exactly one last flag in each
          expect(pdvs.findIndex((p) => !p.isCommand)).toBe(commandPdvs.length);
          expect(commandPdvs.filter((p) => p.isLast)).toHaveLength(1);
          expect(commandPdvs.at(-1)?.isLast).toBe(true);
          expect(dataPdvs.filter((p) => p.isLast)).toHaveLength(1);
          expect(dataPdvs.at(-1)?.isLast).toBe(true);
          if (max !== 0 && size > 0) {
            // every fragment but the last is full
            for (const p of dataPdvs.slice(0, -1)) expect(p.data.length).toBe(max - 6);
          }
          const { m, data: back } = await reassemble(pdvs);
          expect(m.command.affectedSopInstanceUid).toBe('1.2.3.4.5.6.7.8.9');
          expect(back.equals(data)).toBe(true);
        }
      }
    });
  }

  it('hands a message in batches: the command with an in-memory data set at once, a stream chunk by chunk', async () => {
    const data = randomBytes(512 * 1024);
    const whole = await batches(fragmentMessage(5, command, data, 16384));
    expect(whole).toHaveLength(1);
    expect(whole[0]?.length).toBe(1 + Math.ceil(data.length / 16378));
    // A data set larger than a batch is cut into batches of at most MAX_BATCH_BYTES, in order.
    const big = randomBytes(MAX_BATCH_BYTES * 2 + 5);
    const bigBatches = await batches(fragmentMessage(5, command, big, 16384));
    expect(bigBatches.length).toBe(3);
    for (const b of bigBatches)
      expect(b.reduce((n, p) => n + p.data.length, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(
      Buffer.concat(
        bigBatches
          .flat()
          .filter((p) => !p.isCommand)
          .map((p) => p.data),
      ).equals(big),
    ).toBe(true);
    // Streamed: what one chunk completes is a batch; the fragment kept back ends the last one.
    const streamed = await batches(
      fragmentMessage(
        5,
        command,
        (async function* () {
          yield* chunked(data, [100_000]);
        })(),
        16384,
      ),
    );
    expect(streamed.length).toBeGreaterThan(1);
    expect(streamed[0]?.[0]?.isCommand).toBe(true);
    expect(
      Buffer.concat(
        streamed
          .flat()
          .filter((p) => !p.isCommand)
          .map((p) => p.data),
      ).equals(data),
    ).toBe(true);
    expect(streamed.flat().filter((p) => p.isLast)).toHaveLength(2);
  });

  it('splits a command set over several fragments when the maximum is tiny', async () => {
    const pdvs = await collect(fragmentMessage(5, command, undefined, 32));
    expect(pdvs.length).toBe(Math.ceil(command.length / 26));
    let got: ReassembledMessage | undefined;
    const r = new MessageReassembler(
      { onMessage: (m) => (got = m), pause: () => {}, resume: () => {} },
      () => true,
    );
    for (const p of pdvs) r.push([p]);
    expect(got?.command.messageId).toBe(3);
    // The command announced a data set: it is pending.
    expect(got?.dataset).toBeDefined();
  });

  describe('protocol errors', () => {
    const noData = encodeCommandSet({
      commandField: CommandField.CEchoRq,
      commandDataSetType: 0x0101,
      affectedSopClassUid: '1.2.840.10008.1.1',
      messageId: 1,
    });
    const make = () =>
      new MessageReassembler(
        { onMessage: () => {}, pause: () => {}, resume: () => {} },
        (id) => id === 1 || id === 3,
      );
    const pdv = (contextId: number, isCommand: boolean, isLast: boolean, data: Buffer) => ({
      contextId,
      isCommand,
      isLast,
      data,
    });
    it('data set before its command', () => {
      expect(() => make().push([pdv(1, false, true, Buffer.alloc(4))])).toThrow(
        /data set fragment before any command/,
      );
    });
    it('data after a command that announced none (0x0101)', () => {
      expect(() => make().push([pdv(1, true, true, noData), pdv(1, false, true, Buffer.alloc(4))])).toThrow(
        DimseProtocolError,
      );
    });
    it('a context that was not accepted', () => {
      expect(() => make().push([pdv(5, true, true, noData)])).toThrow(
        /context 5: PDV on a presentation context that was not accepted/,
      );
    });
    it('command fragments of two contexts interleaved', () => {
      expect(() =>
        make().push([pdv(1, true, false, noData.subarray(0, 10)), pdv(3, true, true, noData)]),
      ).toThrow(/interleaved/);
    });
    it('data set fragment on another context', () => {
      expect(() => make().push([pdv(1, true, true, command), pdv(3, false, true, Buffer.alloc(2))])).toThrow(
        /data set fragment expected on context 1/,
      );
    });
    it('a command inside a data set', () => {
      expect(() =>
        make().push([
          pdv(1, true, true, command),
          pdv(1, false, false, Buffer.alloc(2)),
          pdv(1, true, true, noData),
        ]),
      ).toThrow(/command fragment before the data set ended/);
    });
    it('a malformed command set names its field', () => {
      expect(() => make().push([pdv(1, true, true, noData.subarray(0, noData.length - 1))])).toThrow(
        /CommandDataSetType/,
      );
    });
  });
});
