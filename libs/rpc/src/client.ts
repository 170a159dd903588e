import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientUnaryCall,
  credentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { FLOW_CONTROL_WINDOW_BYTES } from './flow-control-window.js';
import { RpcError, toRpcError } from './rpc-error.js';
import { traceContextInterceptor } from './trace-context.js';

/** Constructor of a ts-proto grpc-js client (e.g. `VerificationClient`). */
export type ClientConstructor<C extends Client> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ChannelOptions>,
) => C;

export interface ClientOptions {
  /** Deadline of every call that does not set its own (default 30 s; 0: none). */
  readonly defaultDeadlineMs?: number;
  /** Interceptors run after the trace context one. */
  readonly interceptors?: readonly Interceptor[];
  /** Ping the server this often when idle to notice a dead connection (default 30 s). */
  readonly keepaliveTimeMs?: number;
}

export const DEFAULT_DEADLINE_MS = 30_000;
/**
 * Reconnect backoff of a channel whose backend went away: grpc-js defaults to 1 s growing to 120 s, so a
 * restarted backend could stay unused for two minutes. Backends are in-cluster and cheap to dial.
 */
export const INITIAL_RECONNECT_BACKOFF_MS = 250;
export const MAX_RECONNECT_BACKOFF_MS = 2_000;

/** Sets a deadline on calls that have none. */
function defaultDeadlineInterceptor(deadlineMs: number): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(
      nextCall(options.deadline === undefined ? { ...options, deadline: Date.now() + deadlineMs } : options),
    );
}

/**
 * A client of one service at `target`: `host:port`, `unix:PATH` (all-in-one), or `dns:///name:port` for a Kubernetes headless Service,
 * whose addresses are balanced round-robin (re-resolved when a server closes an aged connection).
 * Every call carries the active trace context; calls without a deadline get `defaultDeadlineMs`.
 */
export function createClient<C extends Client>(
  ClientCtor: ClientConstructor<C>,
  target: string,
  options: ClientOptions = {},
): C {
  const deadlineMs = options.defaultDeadlineMs ?? DEFAULT_DEADLINE_MS;
  const interceptors: Interceptor[] = [
    traceContextInterceptor,
    ...(deadlineMs > 0 ? [defaultDeadlineInterceptor(deadlineMs)] : []),
    ...(options.interceptors ?? []),
  ];
  const channelOptions: Partial<ChannelOptions> & { interceptors: Interceptor[] } = {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
    'grpc.initial_reconnect_backoff_ms': INITIAL_RECONNECT_BACKOFF_MS,
    'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS,
    interceptors,
  };
  return new ClientCtor(target, credentials.createInsecure(), channelOptions);
}

/** The callback form of a ts-proto unary client method (its fullest overload). */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

export interface CallSettings {
  /** Deadline of this call, from now. */
  readonly deadlineMs?: number;
  readonly metadata?: Metadata;
  /** Cancels the call (e.g. on A-ABORT of the association). */
  readonly signal?: AbortSignal;
}

/**
 * Calls a unary method and resolves with the response, or rejects with an `RpcError`
 * (e.g. kind `timeout` when `deadlineMs` passes). `name` labels the error.
 * Example: `await unaryCall(client.echo.bind(client), request, { deadlineMs: 5000 }, 'Verification/Echo')`.
 */
export function unaryCall<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  settings: CallSettings = {},
  name?: string,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    if (settings.signal?.aborted) {
      reject(new RpcError(status.CANCELLED, 'cancelled before the call started', { method: name }));
      return;
    }
    const callOptions: Partial<CallOptions> =
      settings.deadlineMs === undefined ? {} : { deadline: Date.now() + settings.deadlineMs };
    const call = method(request, settings.metadata ?? new Metadata(), callOptions, (error, response) => {
      settings.signal?.removeEventListener('abort', cancel);
      if (error) reject(toRpcError(error, name));
      else resolve(response);
    });
    const cancel = () => call.cancel();
    settings.signal?.addEventListener('abort', cancel, { once: true });
  });
}
