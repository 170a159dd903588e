/** Errors of @dicomesh/events. Each names the subject (and msgId) it concerns and keeps the cause. */

/** An event could not be made durable: NATS unreachable, no PubAck in time, or the stream refused it. */
export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  constructor(
    message: string,
    readonly subject: string,
    readonly msgId: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`publish ${subject}${msgId === undefined ? '' : ` (msgId ${msgId})`}: ${message}`, options);
  }
}

/** The JetStream stream or consumer could not be created, updated or read. */
export class JetStreamSetupError extends Error {
  override readonly name = 'JetStreamSetupError';
  constructor(
    message: string,
    readonly stream: string,
    options?: ErrorOptions,
  ) {
    super(`stream ${stream}: ${message}`, options);
  }
}

/** An invalid subject or subscription pattern. */
export class SubjectError extends Error {
  override readonly name = 'SubjectError';
  constructor(
    message: string,
    readonly subject: string,
    options?: ErrorOptions,
  ) {
    super(`subject ${JSON.stringify(subject)}: ${message}`, options);
  }
}

/** A `.creds` file or a TLS file for NATS that cannot be used (missing, unreadable, not what it should be). */
export class NatsCredentialsError extends Error {
  override readonly name = 'NatsCredentialsError';
  constructor(
    message: string,
    readonly files: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`NATS credentials (${files.join(', ')}): ${message}`, options);
  }
}
