import { InMemorySpanExporter, startTelemetry } from '@dicomesh/telemetry';
import {
  type Client,
  type ClientDuplexStream,
  type ClientWritableStream,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  createServer,
  GrpcStatus,
  RpcError,
  type Server,
  startServer,
  stopServer,
  tracedBidiStream,
  tracedClientStream,
} from '../src/index.js';

// A test-only service with client-streaming and bidi methods (JSON on the wire), until real protos have them.
const serialize = (value: unknown) => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown;
const method = (name: string, responseStream: boolean) => ({
  path: `/test.Numbers/${name}`,
  requestStream: true,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});
const NumbersService = { sum: method('Sum', false), double: method('Double', true) } as ServiceDefinition;
const NumbersClient = makeGenericClientConstructor(NumbersService, 'test.Numbers');

interface NumbersClientApi extends Client {
  sum(
    callback: (error: ServiceError | null, response: { total: number }) => void,
  ): ClientWritableStream<unknown>;
  double(): ClientDuplexStream<unknown, { value: number }>;
}

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'rpc-streaming-test', exporter });
let server: Server;
let client: NumbersClientApi;

beforeAll(async () => {
  server = createServer();
  server.addService(NumbersService, {
    sum: tracedClientStream('test.Numbers/Sum', async (call) => {
      let total = 0;
      for await (const message of call) total += (message as { value: number }).value;
      return { total };
    }),
    double: tracedBidiStream('test.Numbers/Double', async (call) => {
      for await (const message of call) {
        const { value } = message as { value: number };
        if (value < 0) throw RpcError.of('invalid', `negative value ${value}`);
        call.write({ value: value * 2 });
      }
    }),
  });
  const port = await startServer(server, '127.0.0.1:0');
  client = createClient(NumbersClient, `127.0.0.1:${port}`, {
    defaultDeadlineMs: 5_000,
  }) as unknown as NumbersClientApi;
});

afterAll(async () => {
  client.close();
  await stopServer(server, 1_000);
  await telemetry.shutdown();
});

describe('traced streaming handlers', () => {
  it('client streaming: answers, and the server span is the child of the caller span', async () => {
    const parent = telemetry.tracer().startSpan('dimse C-STORE');
    const total = await context.with(
      trace.setSpan(context.active(), parent),
      () =>
        new Promise<number>((resolve, reject) => {
          const call = client.sum((error, response) => (error ? reject(error) : resolve(response.total)));
          for (const value of [1, 2, 3]) call.write({ value });
          call.end();
        }),
    );
    parent.end();
    expect(total).toBe(6);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'test.Numbers/Sum');
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.spanContext().traceId).toBe(parent.spanContext().traceId);
  });

  it('bidi streaming: ends with OK once the handler has read everything and returned', async () => {
    const values: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.double();
      call.on('data', (message: { value: number }) => values.push(message.value));
      call.on('error', reject);
      call.on('end', resolve);
      for (const value of [1, 2, 3]) call.write({ value });
      call.end();
    });
    expect(values).toEqual([2, 4, 6]);
  });

  it('bidi streaming: answers each message; a thrown RpcError ends the call with its status', async () => {
    const parent = telemetry.tracer().startSpan('dimse C-GET');
    const values: number[] = [];
    const error = await context.with(
      trace.setSpan(context.active(), parent),
      () =>
        new Promise<ServiceError>((resolve, reject) => {
          const call = client.double();
          call.on('data', (message: { value: number }) => {
            values.push(message.value);
            if (values.length === 2) call.write({ value: -1 });
          });
          call.on('error', resolve);
          call.on('end', () => reject(new Error('ended without the expected error')));
          call.write({ value: 1 });
          call.write({ value: 5 });
        }),
    );
    parent.end();
    expect(values).toEqual([2, 10]);
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toBe('negative value -1');
    const span = exporter
      .getFinishedSpans()
      .filter((s) => s.name === 'test.Numbers/Double')
      .at(-1);
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.attributes['rpc.grpc.status_code']).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});
