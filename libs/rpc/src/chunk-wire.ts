/**
 * The wire form of a message that is one length-delimited field (a data set chunk): written in one copy
 * into one buffer, read back as a view. The generated code grows a zero-filled buffer by doubling, and
 * copies the bytes again on each side; these carry every byte of a C-STORE and a C-GET.
 */

const LENGTH_DELIMITED = 2;
const VARINT_MAX_BYTES = 5;

/** The tag byte of length-delimited field `field` (1 to 15: one byte). */
export function lengthDelimitedTag(field: number): number {
  return (field << 3) | LENGTH_DELIMITED;
}

/** The message `tag` + length + `pieces` (together `total` bytes), copied once, in order, into its buffer. */
export function encodeLengthDelimited(tag: number, pieces: readonly Uint8Array[], total: number): Buffer {
  const out = Buffer.allocUnsafe(1 + VARINT_MAX_BYTES + total);
  out[0] = tag;
  let at = 1;
  let length = total;
  while (length > 0x7f) {
    out[at++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  out[at++] = length;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out.subarray(0, at);
}

/**
 * The field's bytes as a view of `bytes`, when `bytes` is exactly field `tag` and nothing else (another
 * field, unknown fields too, and the caller decodes in full): undefined otherwise.
 */
export function lengthDelimitedView(bytes: Buffer, tag: number): Buffer | undefined {
  if (bytes[0] !== tag) return undefined;
  let value = 0;
  for (let i = 1, shift = 0; i < bytes.length && i <= VARINT_MAX_BYTES; i++, shift += 7) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return i + 1 + value === bytes.length ? bytes.subarray(i + 1) : undefined;
  }
  return undefined;
}
