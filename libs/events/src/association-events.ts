/**
 * Association events of the gateway (`dicomesh.v1.association.*`): best effort, for audit and metrics.
 * Unlike `instance.stored` (which goes through the outbox) a failed publish is logged and dropped, and never
 * delays or fails the association.
 */
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { type AssociationEvent, type EventPublisher, Subject } from './events-api.js';

export interface AssociationEvents {
  opened(event: AssociationEvent): Promise<void>;
  closed(event: AssociationEvent): Promise<void>;
  rejected(event: AssociationEvent): Promise<void>;
  aborted(event: AssociationEvent): Promise<void>;
}

export interface AssociationEventsOptions {
  readonly logger?: Logger;
}

/** The `Nats-Msg-Id` of an association event: one of each kind per association. */
export function associationEventMsgId(subject: string, event: AssociationEvent): string {
  return `${subject}:${event.associationId}`;
}

/** Methods never throw (they resolve once published or once the failure is logged); callers need not await. */
export function associationEventPublisher(
  publisher: EventPublisher,
  options: AssociationEventsOptions = {},
): AssociationEvents {
  const logger = options.logger ?? createLogger('events');
  const send = async (subject: Subject, event: AssociationEvent): Promise<void> => {
    try {
      await publisher.publish(subject, { ...event }, { msgId: associationEventMsgId(subject, event) });
    } catch (error) {
      logger.warn('association event not published', {
        subject,
        associationId: event.associationId,
        callingAeTitle: event.callingAeTitle,
        calledAeTitle: event.calledAeTitle,
        error,
      });
    }
  };
  return {
    opened: (event) => send(Subject.AssociationOpened, event),
    closed: (event) => send(Subject.AssociationClosed, event),
    rejected: (event) => send(Subject.AssociationRejected, event),
    aborted: (event) => send(Subject.AssociationAborted, event),
  };
}
