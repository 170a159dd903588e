/**
 * Reassembly (PS3.7 8.1, PS3.8 Annex E): PDVs in, DIMSE messages out. Command fragments are accumulated
 * (a command set is small); the data set is handed on as a Readable of chunks as they arrive, with
 * backpressure: when its consumer falls behind, the association stops reading (`pauseInbound`) until the
 * consumer reads again. Any breach of the fragment rules is a DimseProtocolError.
 *
 * The data set Readable is in object mode: each chunk is handed over as the piece it arrived as (a view into
 * a transport read, or one small fragment). A byte-mode Readable read by `for await` would join everything
 * buffered into a new buffer on every read (`fromList`): a second copy of the data set, and the garbage that
 * made a 512 KiB object cost about 1 ms of GC. Its high-water mark counts pieces; a piece is at most one
 * transport read or one P-DATA-TF fragment (bounded by our maximum PDU length), so memory stays bounded.
 */
import { Readable } from 'node:stream';
import type { PresentationDataValue } from '@dicomesh/dicom-ul';
import type { CommandSet } from './command-elements.js';
import { decodeCommandSet, hasDataSet } from './command-set.js';
import { DimseProtocolError } from './errors.js';

/** Largest command set accepted (real ones are a few hundred bytes). */
export const MAX_COMMAND_SET_LENGTH = 64 * 1024;
/**
 * Pieces a data set stream buffers before the association is paused: 16 reads of 64 KiB (Node's socket read
 * size), 1 MiB, as the byte-mode stream held before.
 */
export const DATASET_HIGH_WATER_PIECES = 16;

export interface ReassembledMessage {
  readonly contextId: number;
  readonly command: CommandSet;
  /** Present when the command announces a data set; ends when its last fragment arrives. */
  readonly dataset?: Readable;
  /**
   * With a data set: resolves when its last fragment has arrived (even if the consumer destroyed the
   * stream early), rejects if the association ends first. A response must not go out before.
   */
  readonly datasetReceived?: Promise<void>;
}

export interface ReassemblerHooks {
  onMessage(message: ReassembledMessage): void;
  /** The inbound flow control of the association (pauseInbound/resumeInbound). */
  pause(): void;
  resume(): void;
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'command'; readonly contextId: number; readonly fragments: Buffer[]; length: number }
  | {
      readonly kind: 'dataset';
      readonly contextId: number;
      readonly stream: Readable;
      readonly received: { resolve(): void; reject(error: Error): void };
    };

export class MessageReassembler {
  private state: State = { kind: 'idle' };
  private paused = false;

  constructor(
    private readonly hooks: ReassemblerHooks,
    /** Context IDs that were accepted (a PDV on any other is an error). */
    private readonly isAcceptedContext: (contextId: number) => boolean,
  ) {}

  /** Feed the PDVs of one P-DATA-TF PDU. Throws DimseProtocolError on a breach. */
  push(pdvs: readonly PresentationDataValue[]): void {
    for (const pdv of pdvs) this.pushOne(pdv);
  }

  private pushOne(pdv: PresentationDataValue): void {
    const { contextId } = pdv;
    if (!this.isAcceptedContext(contextId)) {
      throw new DimseProtocolError('PDV on a presentation context that was not accepted', { contextId });
    }
    const state = this.state;
    switch (state.kind) {
      case 'idle':
        if (!pdv.isCommand) {
          throw new DimseProtocolError('data set fragment before any command', { contextId });
        }
        this.state = { kind: 'command', contextId, fragments: [], length: 0 };
        this.pushCommand(pdv);
        return;
      case 'command':
        if (contextId !== state.contextId) {
          throw new DimseProtocolError(
            `command fragment interleaved with one on context ${state.contextId}`,
            {
              contextId,
            },
          );
        }
        if (!pdv.isCommand)
          throw new DimseProtocolError('data set fragment before the command ended', { contextId });
        this.pushCommand(pdv);
        return;
      case 'dataset':
        if (contextId !== state.contextId) {
          throw new DimseProtocolError(`data set fragment expected on context ${state.contextId}`, {
            contextId,
          });
        }
        if (pdv.isCommand)
          throw new DimseProtocolError('command fragment before the data set ended', { contextId });
        if (!state.stream.destroyed) {
          // A fragment that arrived over several reads is pushed read by read, never joined.
          for (const piece of pdv.slices ?? [pdv.data]) {
            // A consumer may give up while a piece is pushed: the rest is discarded, the association not paused.
            if (state.stream.destroyed) break;
            if (piece.length > 0 && !state.stream.push(piece)) this.setPaused(true);
          }
        }
        if (pdv.isLast) {
          if (!state.stream.destroyed) state.stream.push(null);
          this.state = { kind: 'idle' };
          state.received.resolve();
        }
        return;
    }
  }

  private pushCommand(pdv: PresentationDataValue): void {
    const state = this.state;
    if (state.kind !== 'command') return;
    state.length += pdv.data.length;
    if (state.length > MAX_COMMAND_SET_LENGTH) {
      throw new DimseProtocolError(`command set longer than ${MAX_COMMAND_SET_LENGTH} bytes`, {
        contextId: state.contextId,
      });
    }
    if (!pdv.isLast) {
      // Kept past this PDU: a copy, so the transport's read is not held.
      state.fragments.push(Buffer.from(pdv.data));
      return;
    }
    // A command in one fragment (the usual case) is decoded where it lies: decoding copies what it keeps.
    const bytes =
      state.fragments.length === 0 ? pdv.data : Buffer.concat([...state.fragments, pdv.data], state.length);
    let command: CommandSet;
    try {
      command = decodeCommandSet(bytes);
    } catch (cause) {
      throw new DimseProtocolError((cause as Error).message, { contextId: state.contextId, cause });
    }
    const contextId = state.contextId;
    if (!hasDataSet(command)) {
      this.state = { kind: 'idle' };
      this.hooks.onMessage({ contextId, command });
      return;
    }
    const stream = new Readable({
      objectMode: true,
      highWaterMark: DATASET_HIGH_WATER_PIECES,
      read: () => this.setPaused(false),
      destroy: (error, callback) => {
        // A consumer that gives up must not stall the association: keep discarding what arrives.
        this.setPaused(false);
        callback(error);
      },
    });
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    const received = { promise, resolve, reject };
    this.state = { kind: 'dataset', contextId, stream, received };
    this.hooks.onMessage({ contextId, command, dataset: stream, datasetReceived: received.promise });
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.hooks.pause();
    else this.hooks.resume();
  }

  /** The association ended: a data set still arriving ends with this error. */
  close(error: Error): void {
    if (this.state.kind === 'dataset') {
      if (!this.state.stream.destroyed) this.state.stream.destroy(error);
      this.state.received.reject(error);
    }
    this.state = { kind: 'idle' };
    this.paused = false;
  }
}
