/** The counts of one C-MOVE or C-GET and its failed instances, and the final status they give. */
import type { RetrieveCounts, RetrieveFinal } from '@dicomesh/rpc';
import { RetrieveStatus, SubOperationOutcome, subOperationOutcome } from './retrieve-status.js';

export class SubOperationTally {
  remaining: number;
  completed = 0;
  failed = 0;
  warning = 0;
  readonly failedSopInstanceUids: string[] = [];

  constructor(total: number) {
    this.remaining = total;
  }

  /** Counts one finished sub-operation by its C-STORE-RSP status. */
  record(sopInstanceUid: string, status: number): void {
    this.remaining--;
    const outcome = subOperationOutcome(status);
    if (outcome === SubOperationOutcome.Completed) this.completed++;
    else if (outcome === SubOperationOutcome.Warning) this.warning++;
    else {
      this.failed++;
      this.failedSopInstanceUids.push(sopInstanceUid);
    }
  }

  get done(): number {
    return this.completed + this.failed + this.warning;
  }

  counts(): RetrieveCounts {
    return {
      remaining: this.remaining,
      completed: this.completed,
      failed: this.failed,
      warning: this.warning,
    };
  }

  /**
   * The final response (C.4.2.1.6-9, C.4.3.1.4): Cancel with the remaining count after a C-CANCEL; A702
   * when every sub-operation failed; B000 with the failed list when some failed or warned; else Success.
   */
  final(cancelled: boolean, errorComment = ''): RetrieveFinal {
    let status: number = RetrieveStatus.Success;
    if (cancelled) status = RetrieveStatus.Cancel;
    else if (this.failed > 0 && this.completed === 0 && this.warning === 0) {
      status = RetrieveStatus.UnableToPerformSubOperations;
    } else if (this.failed > 0 || this.warning > 0) status = RetrieveStatus.SubOperationsCompleteWithFailures;
    return {
      status,
      errorComment: status === RetrieveStatus.Success ? '' : errorComment.slice(0, 64),
      offendingElements: [],
      counts: this.counts(),
      failedSopInstanceUids: [...this.failedSopInstanceUids],
    };
  }
}
