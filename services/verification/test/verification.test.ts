import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createClient,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthClient,
  unaryCall,
  VerificationClient,
} from '@dicomesh/rpc';
import { configureLogging, createLogger, InMemorySpanExporter, startTelemetry } from '@dicomesh/telemetry';
import { context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import {
  startVerificationServer,
  VERIFICATION_SERVICE,
  type VerificationServerHandle,
} from '../src/index.js';

const { SERVING, NOT_SERVING } = HealthCheckResponse_ServingStatus;

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const associationContext = {
  associationId: 'a-17',
  callingAeTitle: 'ECHOSCU',
  calledAeTitle: 'DICOMESH',
  remoteAddress: '127.0.0.1:51515',
  messageId: 3,
};

describe('verification server (in process)', () => {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({ serviceName: 'verification-test', exporter });
  const lines: string[] = [];
  let server: VerificationServerHandle;

  beforeAll(async () => {
    configureLogging({ write: (line) => lines.push(line) });
    server = await startVerificationServer({
      host: '127.0.0.1',
      port: 0,
      tracer: telemetry.tracer('verification'),
      logger: createLogger('verification'),
      shutdownGraceMs: 1_000,
    });
  });

  afterAll(async () => {
    await server.close();
    await telemetry.shutdown();
  });

  it('answers Echo with status 0, logs the request context, continues the trace', async () => {
    const client = createClient(VerificationClient, `127.0.0.1:${server.port}`);
    try {
      const dimseSpan = telemetry.tracer('gateway').startSpan('dimse C-ECHO');
      const response = await context.with(trace.setSpan(context.active(), dimseSpan), () =>
        unaryCall(client.echo.bind(client), { context: associationContext }, { deadlineMs: 5_000 }),
      );
      dimseSpan.end();
      expect(response).toEqual({ status: 0 });

      const logged = lines.map((line) => JSON.parse(line)).find((record) => record.msg === 'C-ECHO answered');
      expect(logged).toMatchObject({
        level: 'info',
        module: 'verification',
        associationId: 'a-17',
        callingAe: 'ECHOSCU',
        calledAe: 'DICOMESH',
        remoteAddress: '127.0.0.1:51515',
        messageId: 3,
        status: 0,
      });
      const serverSpan = exporter.getFinishedSpans().find((s) => s.name === 'dicomesh.v1.Verification/Echo');
      expect(serverSpan?.parentSpanContext?.spanId).toBe(dimseSpan.spanContext().spanId);
      expect(logged.trace_id).toBe(dimseSpan.spanContext().traceId);
    } finally {
      client.close();
    }
  });

  it('refuses an Echo without association context (INVALID_ARGUMENT)', async () => {
    const client = createClient(VerificationClient, `127.0.0.1:${server.port}`);
    try {
      await expect(unaryCall(client.echo.bind(client), {})).rejects.toMatchObject({ kind: 'invalid' });
    } finally {
      client.close();
    }
  });

  it('is SERVING after start, for the server and the Verification service', async () => {
    const client = createClient(HealthClient, `127.0.0.1:${server.port}`);
    try {
      for (const service of ['', VERIFICATION_SERVICE]) {
        expect(await unaryCall(client.check.bind(client), { service })).toEqual({ status: SERVING });
      }
      expect(VERIFICATION_SERVICE).toBe('dicomesh.v1.Verification');
    } finally {
      client.close();
    }
  });
});

describe('verification server close', () => {
  it('turns NOT_SERVING (seen by a watcher) and stops listening', async () => {
    const server = await startVerificationServer({ host: '127.0.0.1', port: 0, shutdownGraceMs: 1_000 });
    const client = createClient(HealthClient, `127.0.0.1:${server.port}`, { defaultDeadlineMs: 0 });
    try {
      const seen: HealthCheckResponse_ServingStatus[] = [];
      const watch = client.watch({ service: VERIFICATION_SERVICE });
      watch.on('data', (response: HealthCheckResponse) => seen.push(response.status));
      const ended = new Promise<void>((resolve) => {
        watch.on('end', resolve);
        watch.on('error', () => resolve());
      });
      await until(() => seen.length === 1, 'the first Watch response');
      await server.close();
      await ended;
      expect(seen).toEqual([SERVING, NOT_SERVING]);
      expect(server.health.getStatus('')).toBe('NOT_SERVING');
      expect(server.health.getStatus(VERIFICATION_SERVICE)).toBe('NOT_SERVING');
      await expect(
        unaryCall(client.check.bind(client), { service: '' }, { deadlineMs: 2_000 }),
      ).rejects.toMatchObject({
        kind: 'unavailable',
      });
    } finally {
      client.close();
    }
  });
});

describe('main.ts (built process)', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const bin = `${root}node_modules/.bin`;

  beforeAll(async () => {
    await promisify(execFile)(`${bin}/tsc`, ['-b', 'services/verification'], { cwd: root });
  });

  it('serves after start and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(`${bin}/node`, ['services/verification/dist/main.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DICOMESH_GRPC_PORT: String(port),
        DICOMESH_GRPC_HOST: '127.0.0.1',
        DICOMESH_METRICS_PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    const client = createClient(VerificationClient, `127.0.0.1:${port}`);
    try {
      await until(() => stderr.includes('verification server listening'), 'the server to listen');
      expect(await unaryCall(client.echo.bind(client), { context: associationContext })).toEqual({
        status: 0,
      });
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(stderr).toContain('"msg":"verification server stopped"');
    } finally {
      client.close();
      child.kill('SIGKILL');
    }
  });

  it('exits 2 naming every invalid variable', async () => {
    const child = spawn(`${bin}/node`, ['services/verification/dist/main.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DICOMESH_GRPC_PORT: 'x',
        DICOMESH_SHUTDOWN_GRACE: '10',
        DICOMESH_LOG_LEVEL: 'loud',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    const record = JSON.parse(stderr.trim().split('\n').at(-1)!);
    expect(record.level).toBe('error');
    expect(record.issues.map((issue: { env: string }) => issue.env).sort()).toEqual([
      'DICOMESH_GRPC_PORT',
      'DICOMESH_LOG_LEVEL',
      'DICOMESH_SHUTDOWN_GRACE',
    ]);
  });
});
