import { afterEach, describe, expect, it } from 'vitest';
import { configureLogging, createLogger, InMemorySpanExporter, startTelemetry } from '../src/index.js';

const lines: string[] = [];
const previous = configureLogging({ level: 'info', debugModules: [], write: (line) => lines.push(line) });

afterEach(() => {
  lines.length = 0;
  configureLogging({ level: 'info', debugModules: [] });
});

const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, module, msg and the fields', () => {
    createLogger('verification', { service: 'verification' }).info('echo answered', {
      status: 0,
      callingAe: 'SCU',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const [record] = records();
    expect(record).toMatchObject({
      level: 'info',
      module: 'verification',
      msg: 'echo answered',
      service: 'verification',
      status: 0,
      callingAe: 'SCU',
    });
    expect(new Date(record!.time as string).toISOString()).toBe(record!.time);
  });

  it('child loggers add fields; call fields override them; envelope keys cannot be forged', () => {
    const child = createLogger('gateway').child({ associationId: 'a1', direction: 'in' });
    child.warn('slow peer', { direction: 'out', level: 'debug', msg: 'forged' });
    expect(records()[0]).toMatchObject({
      level: 'warn',
      msg: 'slow peer',
      module: 'gateway',
      associationId: 'a1',
      direction: 'out',
    });
  });

  it('drops lines below the level, and writes debug only for the modules named', () => {
    const ul = createLogger('dicom-ul');
    const dimse = createLogger('dimse');
    ul.debug('pdu in');
    expect(lines).toHaveLength(0);
    expect(ul.isDebugEnabled()).toBe(false);
    configureLogging({ debugModules: ['dicom-ul'] });
    ul.debug('pdu in', { pduType: 1 });
    dimse.debug('command');
    expect(records().map((r) => r.module)).toEqual(['dicom-ul']);
    configureLogging({ debugModules: ['*'] });
    dimse.debug('command');
    expect(records().map((r) => r.module)).toEqual(['dicom-ul', 'dimse']);
    configureLogging({ level: 'error', debugModules: [] });
    dimse.warn('dropped');
    dimse.error('kept');
    expect(records().map((r) => r.msg)).toEqual(['pdu in', 'command', 'kept']);
  });

  it('serializes errors with their cause, bigints and bytes; survives cycles', () => {
    const error = new Error('outer', { cause: new RangeError('inner') });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const log = createLogger('m');
    log.error('failed', { error, size: 10n, data: new Uint8Array(7) });
    log.info('cyclic', { cyclic });
    const [first, second] = records();
    expect(first).toMatchObject({
      error: { name: 'Error', message: 'outer', cause: { name: 'RangeError', message: 'inner' } },
      size: '10',
      data: { bytes: 7 },
    });
    expect(second).toMatchObject({ level: 'info', msg: 'cyclic', module: 'm' });
    expect(second!.log_error).toContain('circular');
  });

  it('adds trace_id and span_id of the active span', async () => {
    const telemetry = startTelemetry({ serviceName: 'test', exporter: new InMemorySpanExporter() });
    try {
      const tracer = telemetry.tracer();
      tracer.startActiveSpan('work', (span) => {
        createLogger('m').info('inside');
        span.end();
        expect(records()[0]).toMatchObject({
          trace_id: span.spanContext().traceId,
          span_id: span.spanContext().spanId,
        });
      });
    } finally {
      await telemetry.shutdown();
    }
  });
});

process.on('exit', () => configureLogging(previous));
