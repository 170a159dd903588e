/**
 * Framing of a byte stream into PDUs, after grpc-js's stream decoder: an explicit read state (header, body,
 * failed). The announced length is checked against the maximum for that PDU type BEFORE anything of the body
 * is buffered, so memory per connection is bounded by the largest allowed PDU.
 *
 * Limits (variable field length, as in the PDU header):
 * - P-DATA-TF: our maximum length received (what we announced in A-ASSOCIATE) plus P_DATA_ALLOWANCE bytes,
 *   tolerance for peers that count the PDV item header outside their fragment budget. 0 (unlimited) is not
 *   offered by this implementation: we always announce a limit.
 * - A-ASSOCIATE-RQ/AC: ASSOCIATE_PDU_MAX_LENGTH (256 KiB). The largest legitimate RQ is 128 contexts, each
 *   with an abstract syntax and, say, ten transfer syntaxes of 64 characters: 128 * (8 + 68 + 680) = 97 KB,
 *   plus user information (role selection for 128 SOP classes: ~10 KB). 256 KiB leaves room while keeping
 *   200 hostile connections under 52 MiB.
 * - A-ASSOCIATE-RJ, A-RELEASE-RQ/RP, A-ABORT: exactly 4 bytes (PS3.8 9.3.4, 9.3.6-9.3.8).
 * Errors (unknown type, over-length, invalid content) are reported once through onError; the decoder then
 * ignores further input. Nothing throws out of push().
 */
import { AbortReason } from './abort-codes.js';
import { PduDecodeError } from './errors.js';
import { decodePDataSlices } from './pdata-slices.js';
import type { Pdu } from './pdu.js';
import { decodePduBody } from './pdu-decoder.js';
import { isPduType, PDU_HEADER_LENGTH, PDU_TYPE_NAMES, PduType } from './pdu-type.js';

export const ASSOCIATE_PDU_MAX_LENGTH = 256 * 1024;
export const P_DATA_ALLOWANCE = 12;
export const FIXED_PDU_LENGTH = 4;
const EMPTY_BODY = Buffer.alloc(0);

export interface PduStreamDecoderOptions {
  /** Maximum variable-field length of P-DATA-TF we accept (our announced maximum length received). */
  maxPDataLength: number;
  onPdu: (pdu: Pdu, bytes: number) => void;
  onError: (error: PduDecodeError) => void;
}

type ReadState = 'header' | 'body' | 'failed';

export class PduStreamDecoder {
  private state: ReadState = 'header';
  private readonly header = Buffer.alloc(PDU_HEADER_LENGTH);
  private headerFilled = 0;
  private bodyType = 0;
  private bodyLength = 0;
  private bodyChunks: Buffer[] = [];
  private bodyFilled = 0;
  maxPDataLength: number;

  constructor(private readonly options: PduStreamDecoderOptions) {
    this.maxPDataLength = options.maxPDataLength;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Bytes currently held for an incomplete PDU. */
  get buffered(): number {
    return this.headerFilled + this.bodyFilled;
  }

  maxLengthFor(type: PduType): number {
    switch (type) {
      case PduType.PDataTf:
        return this.maxPDataLength + P_DATA_ALLOWANCE;
      case PduType.AssociateRq:
      case PduType.AssociateAc:
        return ASSOCIATE_PDU_MAX_LENGTH;
      default:
        return FIXED_PDU_LENGTH;
    }
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && this.state !== 'failed') {
      if (this.state === 'header') {
        if (this.headerFilled === 0 && chunk.length - offset >= PDU_HEADER_LENGTH) {
          // The whole header is in this read: read it where it lies.
          const type = chunk[offset] as number;
          const length = chunk.readUInt32BE(offset + 2);
          offset += PDU_HEADER_LENGTH;
          this.startBody(type, length);
          continue;
        }
        const n = Math.min(PDU_HEADER_LENGTH - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + n);
        this.headerFilled += n;
        offset += n;
        if (this.headerFilled === PDU_HEADER_LENGTH) {
          this.startBody(this.header[0] as number, this.header.readUInt32BE(2));
        }
      } else if (this.bodyFilled === 0 && chunk.length - offset >= this.bodyLength) {
        // The whole body is in this read: handed on as one view, with no list of pieces.
        const end = offset + this.bodyLength;
        this.finishBody(chunk.subarray(offset, end));
        offset = end;
      } else {
        const n = Math.min(this.bodyLength - this.bodyFilled, chunk.length - offset);
        this.bodyChunks.push(chunk.subarray(offset, offset + n));
        this.bodyFilled += n;
        offset += n;
        if (this.bodyFilled === this.bodyLength) this.finishBody();
      }
    }
  }

  private startBody(type: number, length: number): void {
    if (!isPduType(type)) {
      this.fail(
        new PduDecodeError(`PDU: type 0x${type.toString(16).padStart(2, '0')} unrecognized`, {
          abortReason: AbortReason.UnrecognizedPdu,
        }),
      );
      return;
    }
    const max = this.maxLengthFor(type);
    if (length > max) {
      this.fail(new PduDecodeError(`${PDU_TYPE_NAMES[type]}: PDU length ${length} over maximum ${max}`));
      return;
    }
    this.bodyType = type;
    this.bodyLength = length;
    this.bodyFilled = 0;
    this.state = 'body';
    if (length === 0) this.finishBody(EMPTY_BODY);
  }

  /** The body is complete: `whole` when it came in one read, else the pieces gathered in bodyChunks. */
  private finishBody(whole?: Buffer): void {
    const chunks = this.bodyChunks;
    const type = this.bodyType;
    const length = this.bodyLength;
    if (chunks.length > 0) this.bodyChunks = [];
    this.bodyFilled = 0;
    this.headerFilled = 0;
    this.state = 'header';
    let body = whole;
    if (!body) {
      // A P-DATA-TF spread over several reads is decoded where it lies (its fragments stay views of the reads);
      // an invalid one, and every other PDU, is decoded joined.
      const sliced =
        type === PduType.PDataTf && chunks.length > 1 ? decodePDataSlices(chunks, length) : undefined;
      if (sliced) {
        this.options.onPdu(sliced, PDU_HEADER_LENGTH + length);
        return;
      }
      body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
    }
    let pdu: Pdu;
    try {
      pdu = decodePduBody(type, body);
    } catch (error) {
      this.fail(
        error instanceof PduDecodeError
          ? error
          : new PduDecodeError(`PDU: ${String(error)}`, { cause: error }),
      );
      return;
    }
    this.options.onPdu(pdu, PDU_HEADER_LENGTH + length);
  }

  private fail(error: PduDecodeError): void {
    this.state = 'failed';
    this.bodyChunks = [];
    this.bodyFilled = 0;
    this.headerFilled = 0;
    this.options.onError(error);
  }
}
