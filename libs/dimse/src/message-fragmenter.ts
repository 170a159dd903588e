/**
 * Fragmenting (PS3.7 8.1, PS3.8 9.3.5.1 and Annex E): a message becomes PDVs, command first then data
 * set, each PDV small enough that its P-DATA-TF PDU fits the peer's maximum length. One PDV per PDU: the
 * PDU's variable field is the PDV item's 4-byte length, 1-byte context ID, 1-byte control header and data.
 */
import type { PresentationDataValue } from '@dicomesh/dicom-ul';

/** PDV item overhead inside a P-DATA-TF variable field: item length (4), context ID (1), control header (1). */
export const PDV_OVERHEAD = 6;
/** Fragment size when the peer announced no limit (max PDU length 0). */
export const UNLIMITED_FRAGMENT_SIZE = 256 * 1024;

/** Largest fragment payload for a peer maximum PDU length (0 = no limit). */
export function maxFragmentSize(peerMaxPduLength: number): number {
  if (peerMaxPduLength === 0) return UNLIMITED_FRAGMENT_SIZE;
  if (peerMaxPduLength <= PDV_OVERHEAD) {
    throw new RangeError(`peer maximum PDU length ${peerMaxPduLength} leaves no room for a PDV`);
  }
  return peerMaxPduLength - PDV_OVERHEAD;
}

export type DataSetSource = Buffer | AsyncIterable<Buffer> | Iterable<Buffer>;

/**
 * Fragments are handed on in batches, written to the transport together: a batch holds what is at hand
 * without waiting (the command and a whole in-memory data set, or what one streamed chunk completes), up to
 * about this many bytes.
 */
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

type Batch = PresentationDataValue[];

function* fragmentBuffer(
  contextId: number,
  bytes: Buffer,
  isCommand: boolean,
  max: number,
): Generator<PresentationDataValue> {
  if (bytes.length === 0) {
    yield { contextId, isCommand, isLast: true, data: bytes };
    return;
  }
  for (let offset = 0; offset < bytes.length; offset += max) {
    const end = Math.min(offset + max, bytes.length);
    yield { contextId, isCommand, isLast: end === bytes.length, data: bytes.subarray(offset, end) };
  }
}

/** Groups fragments into batches of at most MAX_BATCH_BYTES (a larger fragment is a batch of its own). */
class Batcher {
  private batch: Batch = [];
  private bytes = 0;

  /** Adds a fragment; returns the full batch it closed, if any. */
  add(pdv: PresentationDataValue): Batch | undefined {
    let full: Batch | undefined;
    if (this.bytes > 0 && this.bytes + pdv.data.length > MAX_BATCH_BYTES) full = this.take();
    this.batch.push(pdv);
    this.bytes += pdv.data.length;
    return full;
  }

  /** Adds each fragment in turn, handing on every batch that fills up on the way. */
  *addAll(pdvs: Iterable<PresentationDataValue>): Generator<Batch> {
    for (const pdv of pdvs) {
      const full = this.add(pdv);
      if (full) yield full;
    }
  }

  take(): Batch {
    const batch = this.batch;
    this.batch = [];
    this.bytes = 0;
    return batch;
  }

  get empty(): boolean {
    return this.batch.length === 0;
  }
}

/**
 * The PDVs of one message, command first then data set, in batches. A streamed data set is cut into
 * fragments as its chunks come, holding at most one fragment plus one chunk in memory; the last fragment
 * is flagged once the source is exhausted.
 */
export function fragmentMessage(
  contextId: number,
  command: Buffer,
  dataset: DataSetSource | undefined,
  peerMaxPduLength: number,
): Iterable<Batch> | AsyncIterable<Batch> {
  const max = maxFragmentSize(peerMaxPduLength);
  // A message held in memory (every command and response, most requests) is cut without a promise per batch.
  if (dataset === undefined || Buffer.isBuffer(dataset))
    return fragmentHeld(contextId, command, dataset, max);
  return fragmentStreamed(contextId, command, dataset, max);
}

function* fragmentHeld(
  contextId: number,
  command: Buffer,
  dataset: Buffer | undefined,
  max: number,
): Generator<Batch> {
  const batcher = new Batcher();
  yield* batcher.addAll(fragmentBuffer(contextId, command, true, max));
  if (dataset) yield* batcher.addAll(fragmentBuffer(contextId, dataset, false, max));
  if (!batcher.empty) yield batcher.take();
}

async function* fragmentStreamed(
  contextId: number,
  command: Buffer,
  dataset: AsyncIterable<Buffer> | Iterable<Buffer>,
  max: number,
): AsyncGenerator<Batch> {
  const batcher = new Batcher();
  yield* batcher.addAll(fragmentBuffer(contextId, command, true, max));
  yield* fragmentStream(contextId, dataset, max, batcher);
  if (!batcher.empty) yield batcher.take();
}

async function* fragmentStream(
  contextId: number,
  dataset: AsyncIterable<Buffer> | Iterable<Buffer>,
  max: number,
  batcher: Batcher,
): AsyncGenerator<Batch> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  const take = (n: number): Buffer => {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = pending[0] as Buffer;
      if (head.length <= need) {
        parts.push(head);
        pending.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        pending[0] = head.subarray(need);
        need = 0;
      }
    }
    pendingLength -= n;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  };
  for await (const chunk of dataset) {
    if (chunk.length === 0) continue;
    pending.push(chunk);
    pendingLength += chunk.length;
    // Keep at least one byte back: only the end of the source tells which fragment is the last.
    while (pendingLength > max) {
      const full = batcher.add({ contextId, isCommand: false, isLast: false, data: take(max) });
      if (full) yield full;
    }
    // What this chunk completed goes out before the next chunk is awaited.
    if (!batcher.empty) yield batcher.take();
  }
  const rest = take(pendingLength);
  pending = [];
  const full = batcher.add({ contextId, isCommand: false, isLast: true, data: rest });
  if (full) yield full;
}
