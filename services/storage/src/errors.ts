/** A C-STORE that ends in a DIMSE failure status: the handler answers it with `status` and `comment`. */
export class StoreFailedError extends Error {
  override readonly name = 'StoreFailedError';
  constructor(
    /** DIMSE status (0000,0900), e.g. 0xA900. */
    readonly status: number,
    /** Error Comment (0000,0902): names the field, never a path or patient data. */
    readonly comment: string,
    options?: { cause?: unknown },
  ) {
    super(`C-STORE failed with status 0x${status.toString(16).padStart(4, '0')}: ${comment}`, options);
  }
}

/**
 * The gateway cancelled the call (the association was aborted) while the data set was streaming, or the
 * call closed without its end: Node's HTTP/2 half-closes a cancelled stream before it resets it, so a
 * close without the end is a cancel whose reset has not arrived yet.
 */
export class StoreCancelledError extends Error {
  override readonly name = 'StoreCancelledError';
  constructor(
    readonly sopInstanceUid: string,
    readonly bytesReceived: number,
    readonly how: 'cancelled' | 'closed without its end' = 'cancelled',
  ) {
    super(`C-STORE of ${sopInstanceUid} ${how} by the caller after ${bytesReceived} bytes`);
  }
}
