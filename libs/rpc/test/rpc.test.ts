import { InMemorySpanExporter, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createClient,
  createServer,
  type EchoRequest,
  type EchoResponse,
  GrpcStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthClient,
  HealthService,
  HealthServiceDefinition,
  RpcError,
  type Server,
  type ServerWritableStream,
  startServer,
  stopServer,
  tracedServerStream,
  tracedUnary,
  unaryCall,
  VerificationClient,
  VerificationServiceDefinition,
} from '../src/index.js';

/** Polls `condition` until it holds or the deadline passes (tests never sleep to wait). */
async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let server: Server;
let port: number;
const health = new HealthService();
/** What the Echo handler does with a request; tests replace it. */
let echo: (request: EchoRequest) => Promise<EchoResponse>;
const defaultEcho = async (request: EchoRequest): Promise<EchoResponse> => ({
  status: request.context?.messageId ?? 0xffff,
});

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: 'rpc-test', exporter });
  server = createServer({ maxConnectionAgeMs: 60_000 });
  server.addService(VerificationServiceDefinition, {
    echo: tracedUnary('dicomesh.v1.Verification/Echo', (request: EchoRequest) => echo(request)),
  });
  // A server-streaming method to exercise tracedServerStream: Health.Watch answering with three statuses.
  const streaming = new HealthService();
  server.addService(HealthServiceDefinition, {
    ...streaming.implementation,
    check: health.implementation.check,
    list: health.implementation.list,
    watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) =>
      call.request.service === 'traced'
        ? tracedServerStream<HealthCheckRequest, HealthCheckResponse>(
            'grpc.health.v1.Health/Watch',
            async (request, stream) => {
              if (request.service === 'traced') {
                for (const status of [1, 2, 1] as HealthCheckResponse_ServingStatus[])
                  stream.write({ status });
              }
            },
          )(call)
        : health.implementation.watch(call),
  });
  port = await startServer(server, '127.0.0.1:0');
});

afterAll(async () => {
  health.closeWatchers();
  await stopServer(server, 1_000);
  await telemetry.shutdown();
});

beforeEach(() => {
  echo = defaultEcho;
  exporter.reset();
});

const context1 = {
  associationId: 'assoc-1',
  callingAeTitle: 'ECHOSCU',
  calledAeTitle: 'DICOMESH',
  remoteAddress: '127.0.0.1:40000',
  messageId: 42,
};

describe('unary calls', () => {
  it('answers Echo over a real connection, with the request as sent', async () => {
    const client = createClient(VerificationClient, `127.0.0.1:${port}`);
    try {
      let received: EchoRequest | undefined;
      echo = async (request) => {
        received = request;
        return { status: 0 };
      };
      const response = await unaryCall(
        client.echo.bind(client),
        { context: context1 },
        { deadlineMs: 5_000 },
      );
      expect(response).toEqual({ status: 0 });
      expect(received).toEqual({ context: context1 });
    } finally {
      client.close();
    }
  });

  it('resolves dns:/// targets with round_robin', async () => {
    const client = createClient(VerificationClient, `dns:///127.0.0.1:${port}`);
    try {
      for (let i = 1; i <= 3; i++) {
        const response = await unaryCall(client.echo.bind(client), {
          context: { ...context1, messageId: i },
        });
        expect(response.status).toBe(i);
      }
    } finally {
      client.close();
    }
  });

  it('maps a passed deadline to RpcError of kind timeout (per call and by default)', async () => {
    let release: () => void = () => {};
    let started = 0;
    echo = () =>
      new Promise((resolve) => {
        started++;
        release = () => resolve({ status: 0 });
      });
    const client = createClient(VerificationClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 100 });
    try {
      const perCall = unaryCall(client.echo.bind(client), { context: context1 }, { deadlineMs: 50 }, 'Echo');
      await expect(perCall).rejects.toBeInstanceOf(RpcError);
      const error = (await perCall.catch((e: unknown) => e)) as RpcError;
      expect(error.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
      expect(error.kind).toBe('timeout');
      expect(error.message).toMatch(/^Echo: DEADLINE_EXCEEDED/);
      expect(error.cause).toBeDefined();
      release();
      const byDefault = await unaryCall(client.echo.bind(client), { context: context1 }).catch(
        (e: unknown) => e,
      );
      expect(byDefault).toMatchObject({ kind: 'timeout', code: GrpcStatus.DEADLINE_EXCEEDED });
      expect(started).toBe(2);
      release();
    } finally {
      client.close();
    }
  });

  it('maps handler errors to status codes: RpcError keeps its kind, anything else is INTERNAL', async () => {
    const client = createClient(VerificationClient, `127.0.0.1:${port}`);
    try {
      echo = async () => {
        throw RpcError.of('exhausted', 'too many associations');
      };
      const exhausted = await unaryCall(client.echo.bind(client), {}).catch((e: unknown) => e);
      expect(exhausted).toMatchObject({
        kind: 'exhausted',
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        details: 'too many associations',
        retryable: true,
      });
      echo = async () => {
        throw new TypeError('boom');
      };
      const internal = await unaryCall(client.echo.bind(client), {}).catch((e: unknown) => e);
      expect(internal).toMatchObject({
        kind: 'internal',
        code: GrpcStatus.INTERNAL,
        details: 'boom',
        retryable: false,
      });
      const [failedSpan] = exporter.getFinishedSpans().slice(-1);
      expect(failedSpan?.status.code).toBe(SpanStatusCode.ERROR);
      expect(failedSpan?.attributes['rpc.grpc.status_code']).toBe(GrpcStatus.INTERNAL);
    } finally {
      client.close();
    }
  });

  it('maps an unreachable server to kind unavailable', async () => {
    const probe = createServer();
    const freePort = await startServer(probe, '127.0.0.1:0');
    await stopServer(probe, 0);
    const client = createClient(VerificationClient, `127.0.0.1:${freePort}`);
    try {
      const error = await unaryCall(client.echo.bind(client), {}, { deadlineMs: 5_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ kind: 'unavailable', code: GrpcStatus.UNAVAILABLE });
    } finally {
      client.close();
    }
  });
});

describe('grpc.health.v1', () => {
  it('Check reflects setStatus; an unknown service is NOT_FOUND', async () => {
    const client = createClient(HealthClient, `127.0.0.1:${port}`);
    try {
      const check = (service: string) => unaryCall(client.check.bind(client), { service });
      await expect(check('dicomesh.v1.Verification')).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
      health.setStatus('dicomesh.v1.Verification', 'SERVING');
      expect(await check('dicomesh.v1.Verification')).toEqual({
        status: HealthCheckResponse_ServingStatus.SERVING,
      });
      health.setStatus('dicomesh.v1.Verification', 'NOT_SERVING');
      expect(await check('dicomesh.v1.Verification')).toEqual({
        status: HealthCheckResponse_ServingStatus.NOT_SERVING,
      });
      const listed = await unaryCall(client.list.bind(client), {});
      expect(listed.statuses['dicomesh.v1.Verification']?.status).toBe(
        HealthCheckResponse_ServingStatus.NOT_SERVING,
      );
    } finally {
      client.close();
    }
  });

  it('Watch sends the current status, then every change', async () => {
    const client = createClient(HealthClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 0 });
    const seen: HealthCheckResponse_ServingStatus[] = [];
    const call = client.watch({ service: 'watched' });
    call.on('data', (response: HealthCheckResponse) => seen.push(response.status));
    call.on('error', () => {});
    try {
      await until(() => seen.length === 1, 'the first Watch response');
      expect(seen).toEqual([HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN]);
      health.setStatus('watched', 'SERVING');
      await until(() => seen.length === 2, 'SERVING');
      health.setStatus('watched', 'SERVING'); // no change, no message
      health.setAllNotServing();
      await until(() => seen.length === 3, 'NOT_SERVING');
      expect(seen).toEqual([
        HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN,
        HealthCheckResponse_ServingStatus.SERVING,
        HealthCheckResponse_ServingStatus.NOT_SERVING,
      ]);
    } finally {
      call.cancel();
      client.close();
    }
  });
});

describe('trace propagation', () => {
  it("makes the server span a child of the caller's span (unary)", async () => {
    const client = createClient(VerificationClient, `127.0.0.1:${port}`);
    const tracer = telemetry.tracer('test');
    try {
      let handlerSpanId: string | undefined;
      echo = async () => {
        handlerSpanId = trace.getActiveSpan()?.spanContext().spanId;
        return { status: 0 };
      };
      const clientSpan = tracer.startSpan('dimse C-ECHO', { kind: SpanKind.SERVER });
      await context.with(trace.setSpan(context.active(), clientSpan), () =>
        unaryCall(client.echo.bind(client), { context: context1 }),
      );
      clientSpan.end();
      const serverSpan = exporter.getFinishedSpans().find((s) => s.name === 'dicomesh.v1.Verification/Echo');
      expect(serverSpan).toBeDefined();
      expect(serverSpan?.kind).toBe(SpanKind.SERVER);
      expect(serverSpan?.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
      expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
      expect(serverSpan?.parentSpanContext?.isRemote).toBe(true);
      expect(serverSpan?.attributes).toMatchObject({
        'rpc.system': 'grpc',
        'rpc.service': 'dicomesh.v1.Verification',
        'rpc.method': 'Echo',
        'rpc.grpc.status_code': 0,
      });
      // The handler runs inside the server span, so its own spans and logs join the trace.
      expect(handlerSpanId).toBe(serverSpan?.spanContext().spanId);
    } finally {
      client.close();
    }
  });

  it('starts a new trace when the caller has no span', async () => {
    const client = createClient(VerificationClient, `127.0.0.1:${port}`);
    try {
      await unaryCall(client.echo.bind(client), { context: context1 });
      const [serverSpan] = exporter.getFinishedSpans();
      expect(serverSpan?.parentSpanContext).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it("makes the server span a child of the caller's span (server streaming)", async () => {
    const client = createClient(HealthClient, `127.0.0.1:${port}`);
    const tracer = telemetry.tracer('test');
    try {
      const clientSpan = tracer.startSpan('dimse C-FIND');
      const received: number[] = [];
      await context.with(trace.setSpan(context.active(), clientSpan), async () => {
        const call = client.watch({ service: 'traced' });
        call.on('data', (response: HealthCheckResponse) => received.push(response.status));
        await new Promise<void>((resolve, reject) => {
          call.on('end', resolve);
          call.on('error', reject);
        });
      });
      clientSpan.end();
      expect(received).toEqual([1, 2, 1]);
      const serverSpan = exporter.getFinishedSpans().find((s) => s.name === 'grpc.health.v1.Health/Watch');
      expect(serverSpan?.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
      expect(serverSpan?.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    } finally {
      client.close();
    }
  });
});
