import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DicomAttribute,
  dimseStatusCategory,
  endDimseSpan,
  InMemorySpanExporter,
  startDimseSpan,
  startTelemetry,
} from '../src/index.js';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'dimse-span-test', exporter });
const tracer = telemetry.tracer('test');
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());

const fields = {
  associationId: 'assoc-1',
  callingAe: 'STORESCU',
  calledAe: 'DICOMESH',
  messageId: 7,
} as const;

describe('DIMSE spans', () => {
  it('names the span after the command and sets the dicom.* attributes', () => {
    const span = startDimseSpan(tracer, {
      ...fields,
      command: 'C-STORE',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
    });
    endDimseSpan(span, 0x0000);
    const [finished] = exporter.getFinishedSpans();
    expect(finished?.name).toBe('dimse C-STORE');
    expect(finished?.kind).toBe(SpanKind.SERVER);
    expect(finished?.attributes).toEqual({
      'dicom.command': 'C-STORE',
      'dicom.association.id': 'assoc-1',
      'dicom.calling_ae': 'STORESCU',
      'dicom.called_ae': 'DICOMESH',
      'dicom.message_id': 7,
      'dicom.sop_class_uid': '1.2.840.10008.5.1.4.1.1.2',
      'dicom.transfer_syntax_uid': '1.2.840.10008.1.2.1',
      'dicom.status': 0,
      'dicom.status_category': 'success',
    });
    expect(finished?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks failures as span errors, but not warnings or cancels; records sub-operation counts', () => {
    endDimseSpan(startDimseSpan(tracer, { ...fields, command: 'C-STORE' }), 0xa700);
    endDimseSpan(startDimseSpan(tracer, { ...fields, command: 'C-MOVE', moveDestination: 'DEST' }), 0xb000, {
      completed: 2,
      failed: 1,
      warning: 0,
    });
    endDimseSpan(startDimseSpan(tracer, { ...fields, command: 'C-FIND', queryLevel: 'STUDY' }), 0xfe00);
    const [failed, warned, cancelled] = exporter.getFinishedSpans();
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'DIMSE status 0xA700' });
    expect(failed?.attributes[DicomAttribute.StatusCategory]).toBe('failure');
    expect(warned?.status.code).toBe(SpanStatusCode.UNSET);
    expect(warned?.attributes).toMatchObject({
      'dicom.move_destination': 'DEST',
      'dicom.subops.completed': 2,
      'dicom.subops.failed': 1,
      'dicom.subops.warning': 0,
      'dicom.status_category': 'warning',
    });
    expect(warned?.attributes).not.toHaveProperty('dicom.subops.remaining');
    expect(cancelled?.status.code).toBe(SpanStatusCode.UNSET);
    expect(cancelled?.attributes[DicomAttribute.QueryLevel]).toBe('STUDY');
  });

  it('classifies status codes per PS3.7 Annex C', () => {
    expect(dimseStatusCategory(0x0000)).toBe('success');
    expect(dimseStatusCategory(0xff00)).toBe('pending');
    expect(dimseStatusCategory(0xff01)).toBe('pending');
    expect(dimseStatusCategory(0xfe00)).toBe('cancel');
    expect(dimseStatusCategory(0x0107)).toBe('warning');
    expect(dimseStatusCategory(0xb007)).toBe('warning');
    expect(dimseStatusCategory(0xa801)).toBe('failure');
    expect(dimseStatusCategory(0xc000)).toBe('failure');
    expect(dimseStatusCategory(0x0122)).toBe('failure');
  });

  it('uses the given parent context and kind', () => {
    const parent = tracer.startSpan('association');
    const span = startDimseSpan(
      tracer,
      { ...fields, command: 'C-ECHO' },
      {
        kind: SpanKind.CLIENT,
        parent: trace.setSpan(context.active(), parent),
        links: [{ context: parent.spanContext() }],
      },
    );
    endDimseSpan(span, 0);
    parent.end();
    const [child] = exporter.getFinishedSpans();
    expect(child?.kind).toBe(SpanKind.CLIENT);
    expect(child?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child?.links[0]?.context.spanId).toBe(parent.spanContext().spanId);
  });

  it('takes the times of a span made after the fact', () => {
    const start = Date.now() - 5_000;
    const span = startDimseSpan(tracer, { ...fields, command: 'C-STORE' }, { startTime: start + 0.25 });
    endDimseSpan(span, 0, undefined, start + 1.75);
    const [finished] = exporter.getFinishedSpans();
    const ms = ([seconds, nanos]: readonly [number, number]) => seconds * 1e3 + nanos / 1e6;
    expect(ms(finished!.startTime)).toBeCloseTo(start + 0.25, 2);
    expect(ms(finished!.endTime)).toBeCloseTo(start + 1.75, 2);
  });
});
