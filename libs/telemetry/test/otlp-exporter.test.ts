import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../src/index.js';

/** A stand-in OTLP/HTTP collector on 127.0.0.1 that records what it receives. */
const received: Array<{ path: string; contentType: string | undefined; body: Buffer }> = [];
const collector = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({
      path: req.url ?? '',
      contentType: req.headers['content-type'],
      body: Buffer.concat(chunks),
    });
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
collector.listen(0, '127.0.0.1');
await once(collector, 'listening');
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

describe("exporter 'otlp'", () => {
  it('sends spans as OTLP protobuf to the endpoint of the standard OTEL_* variables', async () => {
    // The OTLP exporter reads the standard variables itself (they are not dicomesh's own configuration).
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const telemetry = startTelemetry({ serviceName: 'otlp-test', exporter: 'otlp' });
    telemetry.tracer().startSpan('dimse C-ECHO').end();
    await telemetry.shutdown();
    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/v1/traces');
    expect(received[0]?.contentType).toBe('application/x-protobuf');
    // The protobuf carries the service name and span name as plain UTF-8 strings.
    expect(received[0]?.body.includes('otlp-test')).toBe(true);
    expect(received[0]?.body.includes('dimse C-ECHO')).toBe(true);
  });
});
