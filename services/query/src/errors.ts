/** A C-FIND that ends in a DIMSE failure before or while matching: answered with `status` and `comment`. */
export class QueryFailedError extends Error {
  override readonly name = 'QueryFailedError';
  constructor(
    /** DIMSE status (0000,0900): 0xA900 identifier does not match the SOP class, 0xC000 unable to process... */
    readonly status: number,
    /** Error Comment (0000,0902): at most 64 characters, names the attribute, never patient data. */
    readonly comment: string,
    /** Offending Element (0000,0901): tags of the attributes at fault. */
    readonly offendingElements: readonly number[] = [],
    options?: { cause?: unknown },
  ) {
    super(`C-FIND failed with status 0x${status.toString(16).padStart(4, '0')}: ${comment}`, options);
  }
}

/** The caller cancelled the call (C-CANCEL or the association ended) while matches were streaming. */
export class QueryCancelledError extends Error {
  override readonly name = 'QueryCancelledError';
  constructor(readonly matchesSent: number) {
    super(`C-FIND cancelled by the caller after ${matchesSent} matches`);
  }
}
