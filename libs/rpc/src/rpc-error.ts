import { Metadata, type ServiceError, status } from '@grpc/grpc-js';

/**
 * What a failed call means to its caller, by gRPC status code. The gateway maps these kinds to DIMSE
 * statuses at exactly one place; backends throw `RpcError` to answer a call with a given code.
 */
export const RpcErrorKind = {
  /** The deadline passed (DEADLINE_EXCEEDED). */
  Timeout: 'timeout',
  /** No backend reachable, or it is shutting down (UNAVAILABLE): retryable. */
  Unavailable: 'unavailable',
  /** The call was cancelled (CANCELLED), e.g. by a C-CANCEL. */
  Cancelled: 'cancelled',
  /** The request was refused as invalid (INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION). */
  Invalid: 'invalid',
  /** What the request names does not exist (NOT_FOUND). */
  NotFound: 'not-found',
  /** Already exists (ALREADY_EXISTS). */
  Conflict: 'conflict',
  /** Out of resources (RESOURCE_EXHAUSTED): retryable later. */
  Exhausted: 'exhausted',
  /** Not allowed (PERMISSION_DENIED, UNAUTHENTICATED). */
  Denied: 'denied',
  /** The server lacks the method (UNIMPLEMENTED). */
  Unimplemented: 'unimplemented',
  /** Everything else: a bug or a failure inside the server (INTERNAL, UNKNOWN, DATA_LOSS, ABORTED). */
  Internal: 'internal',
} as const;
export type RpcErrorKind = (typeof RpcErrorKind)[keyof typeof RpcErrorKind];

const kindByStatus: Readonly<Partial<Record<status, RpcErrorKind>>> = {
  [status.DEADLINE_EXCEEDED]: RpcErrorKind.Timeout,
  [status.UNAVAILABLE]: RpcErrorKind.Unavailable,
  [status.CANCELLED]: RpcErrorKind.Cancelled,
  [status.INVALID_ARGUMENT]: RpcErrorKind.Invalid,
  [status.OUT_OF_RANGE]: RpcErrorKind.Invalid,
  [status.FAILED_PRECONDITION]: RpcErrorKind.Invalid,
  [status.NOT_FOUND]: RpcErrorKind.NotFound,
  [status.ALREADY_EXISTS]: RpcErrorKind.Conflict,
  [status.RESOURCE_EXHAUSTED]: RpcErrorKind.Exhausted,
  [status.PERMISSION_DENIED]: RpcErrorKind.Denied,
  [status.UNAUTHENTICATED]: RpcErrorKind.Denied,
  [status.UNIMPLEMENTED]: RpcErrorKind.Unimplemented,
};

/** The status code a server answers with for a kind (the inverse of the table above, one code per kind). */
const statusByKind: Readonly<Record<RpcErrorKind, status>> = {
  timeout: status.DEADLINE_EXCEEDED,
  unavailable: status.UNAVAILABLE,
  cancelled: status.CANCELLED,
  invalid: status.INVALID_ARGUMENT,
  'not-found': status.NOT_FOUND,
  conflict: status.ALREADY_EXISTS,
  exhausted: status.RESOURCE_EXHAUSTED,
  denied: status.PERMISSION_DENIED,
  unimplemented: status.UNIMPLEMENTED,
  internal: status.INTERNAL,
};

export function rpcErrorKind(code: status): RpcErrorKind {
  return kindByStatus[code] ?? RpcErrorKind.Internal;
}

export interface RpcErrorOptions {
  /** The method, e.g. `/dicomesh.v1.Verification/Echo`. */
  readonly method?: string;
  readonly metadata?: Metadata;
  readonly cause?: unknown;
}

/** A failed gRPC call: its status code, what that means (`kind`), and the method. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly kind: RpcErrorKind;
  readonly method: string | undefined;
  readonly metadata: Metadata;

  constructor(
    readonly code: status,
    readonly details: string,
    options: RpcErrorOptions = {},
  ) {
    super(
      `${options.method ?? 'gRPC call'}: ${status[code] ?? `status ${code}`}${details === '' ? '' : `: ${details}`}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.kind = rpcErrorKind(code);
    this.method = options.method;
    this.metadata = options.metadata ?? new Metadata();
  }

  /** An error for a server handler to throw: the call ends with the status code of this kind. */
  static of(kind: RpcErrorKind, details: string, cause?: unknown): RpcError {
    return new RpcError(statusByKind[kind], details, { cause });
  }

  /** True for kinds worth retrying on another backend or later. */
  get retryable(): boolean {
    return this.kind === RpcErrorKind.Unavailable || this.kind === RpcErrorKind.Exhausted;
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/** Wraps what a grpc-js client call failed with into an `RpcError` (with the original as `cause`). */
export function toRpcError(error: unknown, method?: string): RpcError {
  if (error instanceof RpcError) return error;
  if (isServiceError(error)) {
    return new RpcError(error.code, error.details, { method, metadata: error.metadata, cause: error });
  }
  return new RpcError(status.INTERNAL, error instanceof Error ? error.message : String(error), {
    method,
    cause: error,
  });
}

/** The status a server sends for an error a handler threw: an RpcError keeps its code; anything else is INTERNAL. */
export function toServerStatus(error: unknown): { code: status; details: string; metadata: Metadata } {
  if (error instanceof RpcError)
    return { code: error.code, details: error.details, metadata: error.metadata };
  return {
    code: status.INTERNAL,
    details: error instanceof Error ? error.message : String(error),
    metadata: new Metadata(),
  };
}
