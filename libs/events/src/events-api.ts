/** Events of the platform on NATS JetStream (stream DICOMESH, subjects dicomesh.v1.>). */

export const STREAM_NAME = 'DICOMESH';
export const STREAM_SUBJECTS = 'dicomesh.v1.>';

export const Subject = {
  InstanceStored: 'dicomesh.v1.instance.stored',
  AssociationOpened: 'dicomesh.v1.association.opened',
  AssociationClosed: 'dicomesh.v1.association.closed',
  AssociationRejected: 'dicomesh.v1.association.rejected',
  AssociationAborted: 'dicomesh.v1.association.aborted',
  RetrieveCompleted: 'dicomesh.v1.retrieve.completed',
} as const;
export type Subject = (typeof Subject)[keyof typeof Subject];

/** `dicomesh.v1.instance.stored`: references, never pixel data. */
export interface InstanceStoredEvent {
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly size: number;
  readonly sha256: string;
  readonly blobKey: string;
  readonly callingAeTitle: string;
  readonly storedAt: string;
}

/** `dicomesh.v1.association.*`. */
export interface AssociationEvent {
  readonly associationId: string;
  readonly callingAeTitle: string;
  readonly calledAeTitle: string;
  readonly remoteAddress: string;
  readonly at: string;
  /** rejected: result/source/reason; aborted: source/reason; closed: how it ended. */
  readonly detail?: Readonly<Record<string, string | number>>;
}

export interface PublishOptions {
  /** De-duplication ID (`Nats-Msg-Id`); JetStream drops a second message with the same ID in its window. */
  readonly msgId?: string;
  /** Extra headers; the active W3C trace context is added. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Publishes events: to JetStream, or to the in-process bus of `make run`. */
export interface EventPublisher {
  /** Resolves once the event is durable in the stream (JetStream ack), rejects when it cannot be. */
  publish(
    subject: string,
    payload: Readonly<Record<string, unknown>>,
    options?: PublishOptions,
  ): Promise<void>;
  close(): Promise<void>;
}
