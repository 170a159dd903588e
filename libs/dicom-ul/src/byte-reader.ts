/** Bounds-checked big-endian reading that names the field and the absolute offset in its errors. */
import { AbortReason } from './abort-codes.js';
import { PduDecodeError } from './errors.js';

export class ByteReader {
  private position = 0;

  /**
   * @param context what is being read, e.g. 'A-ASSOCIATE-RQ' or 'A-ASSOCIATE-RQ: presentation context item'
   * @param base absolute offset of buf[0] within the PDU, for messages
   */
  constructor(
    private readonly buf: Buffer,
    readonly context: string,
    private readonly base = 0,
  ) {}

  get remaining(): number {
    return this.buf.length - this.position;
  }

  /** Absolute offset (within the PDU) of the next byte. */
  get offset(): number {
    return this.base + this.position;
  }

  fail(
    field: string,
    detail: string,
    abortReason: AbortReason = AbortReason.InvalidPduParameterValue,
  ): never {
    throw new PduDecodeError(`${this.context}: ${field}: ${detail}`, { abortReason });
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) {
      this.fail(
        field,
        `offset ${this.offset + this.remaining} past end (needs ${n} bytes at offset ${this.offset}, ${this.remaining} left)`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf.readUInt8(this.position++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.position);
    this.position += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32BE(this.position);
    this.position += 4;
    return v;
  }

  bytes(n: number, field: string): Buffer {
    this.need(n, field);
    const v = this.buf.subarray(this.position, this.position + n);
    this.position += n;
    return v;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.position += n;
  }

  /** A reader over the next n bytes; overrunning the parent is an error naming the item. */
  sub(n: number, context: string): ByteReader {
    if (this.remaining < n) {
      this.fail(
        context,
        `length ${n} at offset ${this.offset} overruns its parent (${this.remaining} bytes left)`,
      );
    }
    const r = new ByteReader(
      this.buf.subarray(this.position, this.position + n),
      `${this.context}: ${context}`,
      this.offset,
    );
    this.position += n;
    return r;
  }

  /** The rest as an unpadded UID/text (trailing NUL and spaces removed, PS3.8 9.3.2.2.1). */
  restAsText(): string {
    return trimText(this.bytes(this.remaining, 'value'));
  }
}

export function trimText(b: Buffer): string {
  return b
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
}
