import { AbortReason, abortReasonName, abortSourceName } from './abort-codes.js';
import { rejectReasonName, rejectResultName, rejectSourceName } from './reject-codes.js';

/** A PDU or item that cannot be decoded or must not be accepted; abortReason is what the A-ABORT carries. */
export class PduDecodeError extends Error {
  override readonly name = 'PduDecodeError';
  readonly abortReason: AbortReason;

  constructor(message: string, options?: { abortReason?: AbortReason; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.abortReason = options?.abortReason ?? AbortReason.InvalidPduParameterValue;
  }
}

/** The peer (or the provider) answered A-ASSOCIATE-RQ with A-ASSOCIATE-RJ. */
export class AssociationRejectedError extends Error {
  override readonly name = 'AssociationRejectedError';
  readonly result: number;
  readonly source: number;
  readonly reason: number;

  constructor(result: number, source: number, reason: number, options?: { cause?: unknown }) {
    super(
      `association rejected: result ${result} (${rejectResultName(result)}), source ${source} ` +
        `(${rejectSourceName(source)}), reason ${reason} (${rejectReasonName(source, reason)})`,
      options,
    );
    this.result = result;
    this.source = source;
    this.reason = reason;
  }
}

/** The association was aborted (A-ABORT received or sent, or A-P-ABORT from the provider). */
export class AssociationAbortedError extends Error {
  override readonly name = 'AssociationAbortedError';
  readonly source: number;
  readonly reason: number;

  constructor(source: number, reason: number, options?: { cause?: unknown; detail?: string }) {
    super(
      `association aborted: source ${source} (${abortSourceName(source)}), reason ${reason} ` +
        `(${abortReasonName(reason)})${options?.detail ? `: ${options.detail}` : ''}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.source = source;
    this.reason = reason;
  }
}

/** A local primitive issued in a state where PS3.8 Table 9-10 does not allow it (for example P-DATA after release). */
export class InvalidPrimitiveError extends Error {
  override readonly name = 'InvalidPrimitiveError';
  readonly state: string;
  readonly event: string;

  constructor(state: string, event: string, detail: string) {
    super(`${event} not allowed in ${state}: ${detail}`);
    this.state = state;
    this.event = event;
  }
}

/** The TCP connection could not be opened or closed before the association was established. */
export class AssociationTransportError extends Error {
  override readonly name = 'AssociationTransportError';
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, detail: string, options?: { cause?: unknown }) {
    super(`association transport ${host}:${port}: ${detail}`, options);
    this.host = host;
    this.port = port;
  }
}
