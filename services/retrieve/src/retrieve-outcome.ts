/**
 * The one place where a retrieve's failures become its final status, and where its outcome is published
 * (`dicomesh.v1.retrieve.completed`) and put on its span.
 */
import type { EventPublisher } from '@dicomesh/events';
import { Subject } from '@dicomesh/events';
import type { AssociationContext, RetrieveCounts, RetrieveFinal } from '@dicomesh/rpc';
import type { Logger } from '@dicomesh/telemetry';
import type { Span } from '@opentelemetry/api';
import { RetrieveFailedError } from './errors.js';
import { RetrieveStatus } from './retrieve-status.js';

const NO_COUNTS: RetrieveCounts = { remaining: 0, completed: 0, failed: 0, warning: 0 };

/** A RetrieveFailedError, or an index that is not there, as a final response; undefined for the unexpected. */
export function finalOfError(error: unknown): RetrieveFinal | undefined {
  if (error instanceof RetrieveFailedError) {
    return {
      status: error.status,
      errorComment: error.comment.slice(0, 64),
      offendingElements: [...error.offendingElements],
      counts: NO_COUNTS,
      failedSopInstanceUids: [],
    };
  }
  if (error instanceof Error && error.name === 'IndexUnavailableError') {
    return {
      status: RetrieveStatus.UnableToPerformSubOperations,
      errorComment: 'index unavailable',
      offendingElements: [],
      counts: NO_COUNTS,
      failedSopInstanceUids: [],
    };
  }
  return undefined;
}

export const RetrieveCommand = { Move: 'C-MOVE', Get: 'C-GET' } as const;
export type RetrieveCommand = (typeof RetrieveCommand)[keyof typeof RetrieveCommand];

export interface RetrieveOutcome {
  readonly command: RetrieveCommand;
  readonly context: AssociationContext | undefined;
  readonly level: string;
  readonly moveDestination?: string;
  readonly final: RetrieveFinal;
}

export function recordOutcome(
  outcome: RetrieveOutcome,
  span: Span | undefined,
  logger: Logger,
  publisher: EventPublisher | undefined,
): void {
  const counts = outcome.final.counts ?? NO_COUNTS;
  span?.setAttribute('dicom.status', outcome.final.status);
  span?.setAttribute('dicom.subops.completed', counts.completed);
  span?.setAttribute('dicom.subops.failed', counts.failed);
  span?.setAttribute('dicom.subops.warning', counts.warning);
  span?.setAttribute('dicom.subops.remaining', counts.remaining);
  const fields = {
    associationId: outcome.context?.associationId ?? '',
    callingAe: outcome.context?.callingAeTitle ?? '',
    messageId: outcome.context?.messageId ?? 0,
    level: outcome.level,
    ...(outcome.moveDestination === undefined ? {} : { moveDestination: outcome.moveDestination }),
    status: outcome.final.status.toString(16).padStart(4, '0'),
    ...counts,
  };
  logger.info(`${outcome.command} answered`, fields);
  if (publisher === undefined) return;
  publisher
    .publish(Subject.RetrieveCompleted, {
      command: outcome.command,
      associationId: fields.associationId,
      callingAeTitle: fields.callingAe,
      messageId: fields.messageId,
      level: outcome.level,
      ...(outcome.moveDestination === undefined ? {} : { moveDestination: outcome.moveDestination }),
      status: outcome.final.status,
      completed: counts.completed,
      failed: counts.failed,
      warning: counts.warning,
      remaining: counts.remaining,
      completedAt: new Date().toISOString(),
    })
    .catch((error: unknown) =>
      logger.warn('retrieve.completed not published', { ...fields, error: (error as Error).message }),
    );
}
