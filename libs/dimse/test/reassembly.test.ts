import type { PresentationDataValue } from '@dicomesh/dicom-ul';
import { describe, expect, it } from 'vitest';
import { CommandField, encodeCommandSet, MessageReassembler, type ReassembledMessage } from '../src/index.js';
import { DATASET_HIGH_WATER_PIECES } from '../src/message-reassembler.js';

const command = encodeCommandSet({
  commandField: CommandField.CStoreRq,
  commandDataSetType: 1,
  affectedSopClassUid: '1.2.840.10008.5.1.4.1.1.7',
  affectedSopInstanceUid: '1.2.3.4.5.6.7.8.9',
  messageId: 3,
  priority: 0,
});

const pdv = (
  isCommand: boolean,
  isLast: boolean,
  data: Buffer,
  slices?: Buffer[],
): PresentationDataValue => ({
  contextId: 1,
  isCommand,
  isLast,
  data,
  ...(slices ? { slices } : {}),
});

function reassembler() {
  const messages: ReassembledMessage[] = [];
  const flow: string[] = [];
  const r = new MessageReassembler(
    {
      onMessage: (m) => messages.push(m),
      pause: () => flow.push('pause'),
      resume: () => flow.push('resume'),
    },
    (id) => id === 1,
  );
  return { r, messages, flow };
}

describe('command of a reassembled message', () => {
  it('keeps nothing of the reads it came in, whether in one fragment or several', () => {
    for (const cuts of [[command.length], [10, 30, command.length - 40]]) {
      const { r, messages } = reassembler();
      const read = Buffer.from(command);
      let at = 0;
      cuts.forEach((n, i) => {
        r.push([pdv(true, i === cuts.length - 1, read.subarray(at, at + n))]);
        at += n;
      });
      read.fill(0); // the transport's buffer is reused
      expect(messages[0]?.command).toMatchObject({
        commandField: CommandField.CStoreRq,
        affectedSopInstanceUid: '1.2.3.4.5.6.7.8.9',
        messageId: 3,
      });
    }
  });
});

describe('data set stream of a reassembled message', () => {
  it('hands each piece over as it arrived, never joined into a copy, even when several are buffered', async () => {
    const { r, messages } = reassembler();
    // One transport read holding three fragments, and a fragment spread over two reads (slices).
    const read = Buffer.from('aaaabbbbccccddddeeee');
    const sliced = [read.subarray(12, 16), read.subarray(16, 20)];
    r.push([
      pdv(true, true, command),
      pdv(false, false, read.subarray(0, 4)),
      pdv(false, false, read.subarray(4, 8)),
      pdv(false, false, read.subarray(8, 12)),
      pdv(false, true, Buffer.concat(sliced), sliced),
    ]);
    const dataset = messages[0]?.dataset;
    if (!dataset) throw new Error('no data set');
    const chunks: Buffer[] = [];
    // All five pieces are buffered before the first read: a byte stream would hand them over as one joined copy.
    for await (const chunk of dataset) chunks.push(chunk as Buffer);
    expect(chunks.map((c) => c.toString())).toEqual(['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee']);
    for (const c of chunks) expect(c.buffer).toBe(read.buffer);
    await expect(messages[0]?.datasetReceived).resolves.toBeUndefined();
  });

  it(`pauses the association once ${DATASET_HIGH_WATER_PIECES} pieces wait unread, resumes when they are read`, async () => {
    const { r, messages, flow } = reassembler();
    r.push([pdv(true, true, command)]);
    const dataset = messages[0]?.dataset;
    if (!dataset) throw new Error('no data set');
    for (let i = 0; i < DATASET_HIGH_WATER_PIECES - 1; i++)
      r.push([pdv(false, false, Buffer.alloc(64 * 1024))]);
    expect(flow).toEqual([]);
    r.push([pdv(false, false, Buffer.alloc(64 * 1024))]);
    expect(flow).toEqual(['pause']);
    let n = 0;
    const reading = (async () => {
      for await (const chunk of dataset) n += (chunk as Buffer).length;
    })();
    await waitUntil(() => flow.length === 2);
    expect(flow).toEqual(['pause', 'resume']);
    r.push([pdv(false, true, Buffer.alloc(1))]);
    await reading;
    expect(n).toBe(DATASET_HIGH_WATER_PIECES * 64 * 1024 + 1);
  });
});

async function waitUntil(condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
