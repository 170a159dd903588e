/**
 * The span tree of one Store, exported by the real OpenTelemetry SDK into memory: the caller's span, the
 * gRPC SERVER span `dicomesh.v1.Storage/Store` under it, `blob write`, `blob commit` and `index transaction`
 * under that, and the outbox relay's `publish dicomesh.v1.instance.stored` under the storage span too (the
 * outbox row carried the trace headers of the store), with the published message continuing the trace.
 */
import { Status } from '@dicomesh/dimse';
import { type BusMessage, InProcessBus, Subject } from '@dicomesh/events';
import { InMemorySpanExporter, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPLICIT_VR_LITTLE_ENDIAN, newUids, smallDataSet } from './support/data-sets.js';
import { chunked, type StorageHarness, startHarness, storeHeader } from './support/storage-harness.js';

const POLL_MS = 20;
const DEADLINE_MS = 10_000;

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('tracing of one Store', () => {
  const exporter = new InMemorySpanExporter();
  const bus = new InProcessBus();
  const received: BusMessage[] = [];
  let telemetry: Telemetry;
  let harness: StorageHarness;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'storage-test', exporter });
    bus.subscribe(Subject.InstanceStored, (message) => {
      received.push(message);
    });
    harness = await startHarness({ localPublisher: bus, tracer: telemetry.tracer('@dicomesh/storage') });
  });
  afterAll(async () => {
    await harness?.close();
    await bus.close();
    await telemetry?.shutdown();
  });

  it('has blob write, blob commit, index transaction and the event publish under the storage span', async () => {
    const uids = newUids();
    const tracer = telemetry.tracer('storage-test');
    const root = await tracer.startActiveSpan('test C-STORE', async (span) => {
      const response = await harness.store(
        storeHeader(uids.sopClassUid, uids.sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN),
        chunked(smallDataSet(uids), 64),
      );
      expect(response.status).toBe(Status.Success);
      span.end();
      return span;
    });
    const traceId = root.spanContext().traceId;

    const message = await until('the instance.stored event', () =>
      received.find((m) => m.payload.sopInstanceUid === uids.sopInstanceUid),
    );
    const spans = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const publish = await until('the publish span', () =>
      spans().find((s) => s.name === `publish ${Subject.InstanceStored}`),
    );

    const server = spans().find((s) => s.name === 'dicomesh.v1.Storage/Store');
    expect(
      server,
      spans()
        .map((s) => s.name)
        .join(', '),
    ).toBeDefined();
    if (server === undefined) return;
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(server.attributes['dicom.status']).toBe(Status.Success);
    expect(server.attributes['dicom.sop_class_uid']).toBe(uids.sopClassUid);

    const children = spans()
      .filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId)
      .sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
    expect(children.map((s) => s.name)).toEqual([
      'blob write',
      'blob commit',
      'index transaction',
      `publish ${Subject.InstanceStored}`,
    ]);

    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(publish.attributes['messaging.destination.name']).toBe(Subject.InstanceStored);
    // The message continues the trace from the publish span.
    expect(message.headers.traceparent).toBe(`00-${traceId}-${publish.spanContext().spanId}-01`);
  });
});
