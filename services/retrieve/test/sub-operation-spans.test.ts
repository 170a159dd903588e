/** SubOperationSpans: the C-STORE spans of a C-MOVE, made after the fact with each sub-operation's own times. */
import { InMemorySpanExporter, startTelemetry } from '@dicomesh/telemetry';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { epochMs, SubOperationSpans } from '../src/sub-operation-spans.js';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'sub-operation-spans-test', exporter });
const tracer = telemetry.tracer('test');
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const fields = { associationId: 'a-1', callingAe: 'DICOMESH', calledAe: 'STORESCP', messageId: 3 };
const ms = ([seconds, nanos]: readonly [number, number]) => seconds * 1e3 + nanos / 1e6;

describe('SubOperationSpans', () => {
  it('makes nothing until flushed, then one CLIENT span per sub-operation under the parent, with its times', () => {
    const parent = tracer.startSpan('dicomesh.v1.Retrieve/Move');
    const spans = new SubOperationSpans(tracer, trace.setSpan(context.active(), parent), fields);
    const first = epochMs() - 10;
    spans.record(CT, EXPLICIT_LE, first, 0x0000);
    spans.record(CT, EXPLICIT_LE, first + 5, 0xa700);
    expect(exporter.getFinishedSpans()).toEqual([]);
    spans.flush();
    spans.flush(); // nothing twice
    const made = exporter.getFinishedSpans();
    expect(made.map((s) => [s.name, s.kind, s.attributes['dicom.status']])).toEqual([
      ['dimse C-STORE', SpanKind.CLIENT, 0x0000],
      ['dimse C-STORE', SpanKind.CLIENT, 0xa700],
    ]);
    expect(made.every((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)).toBe(true);
    expect(made[0]?.attributes).toMatchObject({
      'dicom.association.id': 'a-1',
      'dicom.called_ae': 'STORESCP',
      'dicom.message_id': 3,
      'dicom.sop_class_uid': CT,
      'dicom.transfer_syntax_uid': EXPLICIT_LE,
    });
    expect(ms(made[0]!.startTime)).toBeCloseTo(first, 1);
    expect(ms(made[1]!.startTime)).toBeCloseTo(first + 5, 1);
    // Each ended when it was recorded, not when its span was made.
    expect(ms(made[0]!.endTime)).toBeLessThanOrEqual(ms(made[1]!.endTime));
    expect(ms(made[1]!.endTime)).toBeLessThan(epochMs());
    parent.end();
  });

  it('without a tracer (nothing exports spans) records and makes nothing', () => {
    const spans = new SubOperationSpans(undefined, context.active(), fields);
    spans.record(CT, EXPLICIT_LE, epochMs(), 0);
    spans.flush();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
