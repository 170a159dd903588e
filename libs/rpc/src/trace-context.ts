import type { Readable } from 'node:stream';
import {
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  InterceptingCall,
  type Interceptor,
  type Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { toServerStatus } from './rpc-error.js';

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier
      .get(key)
      .map((value) => (typeof value === 'string' ? value : value.toString('utf8')));
    return values.length === 0 ? undefined : values;
  },
};

/** Writes the W3C `traceparent`/`tracestate` (and `baggage`) of `ctx` into gRPC metadata. */
export function injectTraceContext(metadata: Metadata, ctx: Context = context.active()): void {
  propagation.inject(ctx, metadata, metadataSetter);
}

/** Reads the caller's trace context from gRPC metadata (ROOT_CONTEXT when there is none). */
export function extractTraceContext(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
}

/**
 * Client interceptor: every call carries the trace context that is active when the call starts, so the
 * server span becomes the child of the caller's span (the DIMSE span in the gateway).
 */
export const traceContextInterceptor: Interceptor = (options, nextCall) => {
  const active = context.active();
  return new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      injectTraceContext(metadata, active);
      next(metadata, listener);
    },
  });
};

export interface TracedHandlerOptions {
  /** Tracer for the SERVER spans (default: the global tracer `@dicomesh/rpc`). */
  readonly tracer?: Tracer;
}

function tracerOf(options: TracedHandlerOptions): Tracer {
  return options.tracer ?? trace.getTracer('@dicomesh/rpc');
}

/** `dicomesh.v1.Verification/Echo` -> rpc.service and rpc.method attributes. */
function rpcAttributes(name: string): Record<string, string> {
  const slash = name.lastIndexOf('/');
  const service = slash < 0 ? name : name.slice(0, slash).replace(/^\//, '');
  const method = slash < 0 ? '' : name.slice(slash + 1);
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}

/** What a SERVER span of one method starts with: its attributes worked out once per method, not per call. */
interface ServerSpanTemplate {
  readonly name: string;
  readonly options: TracedHandlerOptions;
  readonly attributes: Readonly<Record<string, string>>;
}

function serverSpanTemplate(name: string, options: TracedHandlerOptions): ServerSpanTemplate {
  return { name, options, attributes: rpcAttributes(name) };
}

/** Runs `work` inside a SERVER span that is the child of the caller's span, and ends the span with its outcome. */
async function inServerSpan<T>(
  template: ServerSpanTemplate,
  metadata: Metadata,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(metadata);
  // The tracer is looked up per call: the global provider may be registered after the server is built.
  const span = tracerOf(template.options).startSpan(
    template.name,
    { kind: SpanKind.SERVER, attributes: { ...template.attributes } },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), () => work(span));
    span.setAttribute('rpc.grpc.status_code', status.OK);
    return result;
  } catch (error) {
    const { code, details } = toServerStatus(error);
    span.setAttribute('rpc.grpc.status_code', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: details });
    if (error instanceof Error) span.recordException(error);
    throw error;
  } finally {
    span.end();
  }
}

/** An async unary handler: return the response, or throw (an `RpcError` chooses the status code). */
export type UnaryHandler<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;
/** Writes responses to `call`; resolving ends the call with OK, throwing ends it with the error's status. */
export type ServerStreamHandler<Req, Res> = (
  request: Req,
  call: ServerWritableStream<Req, Res>,
) => Promise<void>;
/** Reads requests from `call` (async iterable) and returns the single response. */
export type ClientStreamHandler<Req, Res> = (call: ServerReadableStream<Req, Res>) => Promise<Res>;
/** Reads and writes on `call`; resolving ends the call with OK. */
export type BidiStreamHandler<Req, Res> = (call: ServerDuplexStream<Req, Res>) => Promise<void>;

/**
 * Wraps an async unary handler for grpc-js: the handler runs in a SERVER span named `name`
 * (e.g. `dicomesh.v1.Verification/Echo`) whose parent is the caller's span from the metadata.
 */
export function tracedUnary<Req, Res>(
  name: string,
  handler: UnaryHandler<Req, Res>,
  options: TracedHandlerOptions = {},
): handleUnaryCall<Req, Res> {
  const template = serverSpanTemplate(name, options);
  return (call, callback) => {
    inServerSpan(template, call.metadata, () => handler(call.request, call)).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toServerStatus(error)),
    );
  };
}

/** Server-streaming counterpart of `tracedUnary`. */
export function tracedServerStream<Req, Res>(
  name: string,
  handler: ServerStreamHandler<Req, Res>,
  options: TracedHandlerOptions = {},
): handleServerStreamingCall<Req, Res> {
  const template = serverSpanTemplate(name, options);
  return (call) => {
    inServerSpan(template, call.metadata, () => handler(call.request, call)).then(
      () => call.end(),
      (error: unknown) => call.emit('error', toServerStatus(error)),
    );
  };
}

/**
 * `for await (const m of call)` would destroy the call's stream when the loop ends (Node's default for
 * readable iterators), and a destroyed grpc-js server stream never sends its status: the client would wait
 * for its deadline. Iterating our calls leaves them open, so the wrapper can still end them with OK or an error.
 */
function keepOpenAfterIteration<S extends Readable>(call: S): S {
  Object.defineProperty(call, Symbol.asyncIterator, {
    value: () => call.iterator({ destroyOnReturn: false }),
    configurable: true,
  });
  return call;
}

/** Client-streaming counterpart of `tracedUnary`. */
export function tracedClientStream<Req, Res>(
  name: string,
  handler: ClientStreamHandler<Req, Res>,
  options: TracedHandlerOptions = {},
): handleClientStreamingCall<Req, Res> {
  const template = serverSpanTemplate(name, options);
  return (call, callback) => {
    inServerSpan(template, call.metadata, () => handler(keepOpenAfterIteration(call))).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toServerStatus(error)),
    );
  };
}

/** Bidirectional-streaming counterpart of `tracedUnary`. */
export function tracedBidiStream<Req, Res>(
  name: string,
  handler: BidiStreamHandler<Req, Res>,
  options: TracedHandlerOptions = {},
): handleBidiStreamingCall<Req, Res> {
  const template = serverSpanTemplate(name, options);
  return (call) => {
    inServerSpan(template, call.metadata, () => handler(keepOpenAfterIteration(call))).then(
      () => call.end(),
      (error: unknown) => call.emit('error', toServerStatus(error)),
    );
  };
}
