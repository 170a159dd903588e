/** Failures of a retrieve that become its final DIMSE status (mapped to a RetrieveFinal in one place). */
export class RetrieveFailedError extends Error {
  override readonly name = 'RetrieveFailedError';
  constructor(
    readonly status: number,
    /** Error Comment (0000,0902): at most 64 characters. */
    readonly comment: string,
    /** Offending Element (0000,0901) tags, if any. */
    readonly offendingElements: readonly number[] = [],
    options?: ErrorOptions,
  ) {
    super(comment, options);
  }
}

/** A C-STORE sub-operation that could not be sent (no context can carry it, destination gone, timeout). */
export class SubOperationError extends Error {
  override readonly name = 'SubOperationError';
}
