/** Error classes of the DIMSE layer. Each names the field or message at fault and keeps its `cause`. */

/** A command set could not be decoded or encoded (PS3.7 Annex E, 6.3.1). */
export class CommandSetError extends Error {
  override readonly name = 'CommandSetError';
  readonly field: string | undefined;
  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super(options?.field ? `command set: ${options.field}: ${message}` : `command set: ${message}`, {
      cause: options?.cause,
    });
    this.field = options?.field;
  }
}

/** The peer broke the DIMSE message exchange rules (PS3.7 8, PS3.8 Annex E); the association is aborted. */
export class DimseProtocolError extends Error {
  override readonly name = 'DimseProtocolError';
  readonly contextId: number | undefined;
  constructor(message: string, options?: { contextId?: number; cause?: unknown }) {
    super(
      options?.contextId !== undefined
        ? `DIMSE: context ${options.contextId}: ${message}`
        : `DIMSE: ${message}`,
      {
        cause: options?.cause,
      },
    );
    this.contextId = options?.contextId;
  }
}

/** The association ended (released, aborted, transport closed) while a DIMSE operation was under way. */
export class AssociationEndedError extends Error {
  override readonly name = 'AssociationEndedError';
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`DIMSE: association ended (${reason})`, { cause: options?.cause });
    this.reason = reason;
  }
}

/** No accepted presentation context can carry this abstract syntax in this role. */
export class NoPresentationContextError extends Error {
  override readonly name = 'NoPresentationContextError';
  readonly abstractSyntax: string;
  readonly transferSyntax: string | undefined;
  constructor(abstractSyntax: string, transferSyntax?: string) {
    super(
      `DIMSE: no accepted presentation context for abstract syntax ${abstractSyntax}` +
        (transferSyntax ? ` with transfer syntax ${transferSyntax}` : ''),
    );
    this.abstractSyntax = abstractSyntax;
    this.transferSyntax = transferSyntax;
  }
}

/** A DIMSE operation got a final response whose status is a failure, or the operation was aborted. */
export class DimseStatusError extends Error {
  override readonly name = 'DimseStatusError';
  readonly command: string;
  readonly status: number;
  readonly errorComment: string | undefined;
  constructor(command: string, status: number, errorComment?: string) {
    super(
      `DIMSE: ${command} failed with status 0x${status.toString(16).padStart(4, '0').toUpperCase()}` +
        (errorComment ? `: ${errorComment}` : ''),
    );
    this.command = command;
    this.status = status;
    this.errorComment = errorComment;
  }
}
