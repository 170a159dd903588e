/**
 * The gateway with a real verification service behind it over gRPC: DCMTK echoscu and our own SCU as
 * peers, the span tree of one C-ECHO, AE title checks, and a backend that is down.
 */
import { execFile } from 'node:child_process';
import { AssociationRejectedError, RejectReason, RejectResult, RejectSource } from '@dicomesh/dicom-ul';
import { connectScu, verificationContext } from '@dicomesh/dimse';
import { InMemorySpanExporter, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { startVerificationServer, type VerificationServerHandle } from '@dicomesh/verification';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBackends, type Gateway, startGateway } from '../src/index.js';

const AE_TITLE = 'DICOMESH';
/** Short enough that a dead backend is noticed quickly, long enough for a loaded CI machine. */
const BACKEND_DEADLINE_MS = 3_000;

function gatewayOptions(verificationPort: number, telemetry: Telemetry) {
  return {
    aeTitle: AE_TITLE,
    host: '127.0.0.1',
    port: 0,
    maxPduLength: 65_536,
    artimTimeoutMs: 5_000,
    idleTimeoutMs: 0,
    maxAssociations: 50,
    acceptUnknownSopClasses: false,
    backends: connectBackends({
      verificationUrl: `127.0.0.1:${verificationPort}`,
      // No storage service: these tests only echo.
      storageUrl: '127.0.0.1:1',
      deadlineMs: BACKEND_DEADLINE_MS,
    }),
    tracer: telemetry.tracer('gateway-test'),
  };
}

/** DCMTK echoscu, run asynchronously: the gateway under test lives in this process's event loop. */
function echoscu(port: number, calledAe = AE_TITLE): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'echoscu',
      ['-v', '-aet', 'ACCEPTSCU', '-aec', calledAe, '127.0.0.1', String(port)],
      { env: { ...process.env, TCP_NODELAY: '1' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status, output: stdout + stderr });
      },
    );
  });
}

describe('gateway with the verification service', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let verification: VerificationServerHandle;
  let gateway: Gateway;

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'gateway-test', exporter });
    verification = await startVerificationServer({
      host: '127.0.0.1',
      port: 0,
      tracer: telemetry.tracer('verification-test'),
    });
    gateway = await startGateway(gatewayOptions(verification.port, telemetry));
  });

  afterAll(async () => {
    await gateway?.close();
    await verification?.close();
    await telemetry?.shutdown();
  });

  it('answers DCMTK echoscu with Success', async () => {
    const run = await echoscu(gateway.port);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('Received Echo Response (Success)');
  });

  it('rejects another called AE title with result 1, source 1, reason 7', async () => {
    const run = await echoscu(gateway.port, 'NOT_THIS_AE');
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Called AE Title Not Recognized');
    const rejected = await connectScu({
      host: '127.0.0.1',
      port: gateway.port,
      callingAeTitle: 'ACCEPTSCU',
      calledAeTitle: 'NOT_THIS_AE',
      contexts: [verificationContext()],
    }).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(AssociationRejectedError);
    expect(rejected).toMatchObject({
      result: RejectResult.Permanent,
      source: RejectSource.ServiceUser,
      reason: RejectReason.CalledAeTitleNotRecognized,
    });
  });

  it('traces one C-ECHO: the verification server span is the child of the gateway DIMSE span', async () => {
    exporter.reset();
    const client = await connectScu({
      host: '127.0.0.1',
      port: gateway.port,
      callingAeTitle: 'ACCEPTSCU',
      calledAeTitle: AE_TITLE,
      contexts: [verificationContext()],
    });
    expect(await client.echo()).toBe(0);
    await client.association.release();

    const spans = exporter.getFinishedSpans();
    const dimse = spans.find((s) => s.name === 'dimse C-ECHO');
    expect(dimse, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(dimse?.kind).toBe(SpanKind.SERVER);
    expect(dimse?.attributes).toMatchObject({
      'dicom.command': 'C-ECHO',
      'dicom.calling_ae': 'ACCEPTSCU',
      'dicom.called_ae': AE_TITLE,
      'dicom.message_id': 1,
      'dicom.status': 0,
    });
    const children = spans.filter((s) => s.parentSpanContext?.spanId === dimse?.spanContext().spanId);
    const server = children.find((s) => s.kind === SpanKind.SERVER);
    expect(server, children.map((s) => s.name).join(', ')).toBeDefined();
    expect(server?.name).toContain('Echo');
    expect(server?.spanContext().traceId).toBe(dimse?.spanContext().traceId);
    // Each DIMSE span links to its association's span.
    const association = spans.find(
      (s) =>
        s.name === 'dicom association' &&
        s.attributes['dicom.association.id'] === dimse?.attributes['dicom.association.id'],
    );
    expect(association).toBeDefined();
    expect(dimse?.links[0]?.context.spanId).toBe(association?.spanContext().spanId);
  });

  it('answers 0x0110 within the deadline when the verification service is down, and the association goes on', async () => {
    const down = await startVerificationServer({ host: '127.0.0.1', port: 0 });
    const port = down.port;
    await down.close();
    const lonely = await startGateway(gatewayOptions(port, telemetry));
    try {
      const client = await connectScu({
        host: '127.0.0.1',
        port: lonely.port,
        callingAeTitle: 'ACCEPTSCU',
        calledAeTitle: AE_TITLE,
        contexts: [verificationContext()],
      });
      const started = Date.now();
      expect(await client.echo()).toBe(0x0110);
      expect(Date.now() - started).toBeLessThan(BACKEND_DEADLINE_MS + 2_000);
      expect(await client.echo()).toBe(0x0110);
      await client.association.release();
    } finally {
      await lonely.close();
    }
  });
});
