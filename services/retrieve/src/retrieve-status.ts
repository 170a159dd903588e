/** The statuses of a retrieve (PS3.4 C.4.2.1.5, C.4.3.1.4) and how a sub-operation's status counts. */
export const RetrieveStatus = {
  Success: 0x0000,
  Pending: 0xff00,
  Cancel: 0xfe00,
  SubOperationsCompleteWithFailures: 0xb000,
  /** Refused: Out of Resources - Unable to calculate number of matches (used for more than 65535). */
  UnableToCalculateMatches: 0xa701,
  /** Refused: Out of Resources - Unable to perform sub-operations (every sub-operation failed). */
  UnableToPerformSubOperations: 0xa702,
  MoveDestinationUnknown: 0xa801,
  IdentifierDoesNotMatchSopClass: 0xa900,
  UnableToProcess: 0xc000,
  /** A sub-operation we could not send at all (no context, association gone): counted as failed. */
  SubOperationNotSent: 0xa702,
} as const;

/** Number of ... Sub-operations are US: more matches than this cannot be reported, so they are refused. */
export const MAX_SUB_OPERATIONS = 0xffff;

export const SubOperationOutcome = { Completed: 'completed', Warning: 'warning', Failed: 'failed' } as const;
export type SubOperationOutcome = (typeof SubOperationOutcome)[keyof typeof SubOperationOutcome];

/** C-STORE-RSP status -> how the sub-operation counts (PS3.4 B.2.3: 0xB000, 0xB007, 0xB006 are warnings). */
export function subOperationOutcome(status: number): SubOperationOutcome {
  if (status === 0) return SubOperationOutcome.Completed;
  if ((status & 0xf000) === 0xb000 || status === 0x0001 || status === 0x0107 || status === 0x0116) {
    return SubOperationOutcome.Warning;
  }
  return SubOperationOutcome.Failed;
}
