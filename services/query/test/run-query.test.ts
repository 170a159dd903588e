/**
 * `dicomesh query` as its own process (the built binary): fails fast naming bad variables, migrates and
 * serves a PostgreSQL index with health SERVING, answers Query.Find, and exits 0 on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { encodeIdentifier, TransferSyntaxUid } from '@dicomesh/dicom';
import {
  createClient,
  FindRequest,
  type FindResponse,
  HealthCheckResponse_ServingStatus,
  HealthClient,
  InformationModel,
  QueryClient,
  unaryCall,
} from '@dicomesh/rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { type PostgresServer, startPostgres } from './support/query-harness.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = `${root}node_modules/.bin`;
const MAIN = 'services/dicomesh/dist/main.js';
const CONFIG_EXIT_CODE = 2;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function start(env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
  const child = spawn(`${bin}/node`, [MAIN, 'query'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, stderr: () => stderr };
}

describe('dicomesh query (built process)', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    await promisify(execFile)(`${bin}/tsc`, ['-b', 'services/query', 'services/dicomesh'], { cwd: root });
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await postgres?.dispose();
  });

  it('serves a PostgreSQL index after start and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const { child, stderr } = start({
      DICOMESH_GRPC_PORT: String(port),
      DICOMESH_GRPC_HOST: '127.0.0.1',
      DICOMESH_METRICS_PORT: '0',
      DICOMESH_DATABASE_URL: postgres.url,
    });
    const exited = once(child, 'exit');
    const health = createClient(HealthClient, `127.0.0.1:${port}`);
    const query = createClient(QueryClient, `127.0.0.1:${port}`);
    try {
      await until(() => stderr().includes('query server listening'), 'the server to listen');
      const status = await unaryCall(health.check.bind(health), { service: QueryClient.serviceName });
      expect(status.status).toBe(HealthCheckResponse_ServingStatus.SERVING);

      const ts = TransferSyntaxUid.ExplicitVrLittleEndian;
      const request = FindRequest.fromPartial({
        informationModel: InformationModel.INFORMATION_MODEL_STUDY_ROOT,
        queryRetrieveLevel: 'STUDY',
        identifier: Buffer.from(
          encodeIdentifier({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: null }, ts),
        ),
        transferSyntaxUid: ts,
      });
      const responses: FindResponse[] = [];
      for await (const response of query.find(request)) responses.push(response as FindResponse);
      expect(responses).toEqual([
        {
          part: {
            $case: 'final',
            value: { status: 0, errorComment: '', offendingElements: [], matchCount: 0 },
          },
        },
      ]);

      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(stderr()).toContain('"msg":"query server stopped"');
    } finally {
      health.close();
      query.close();
      child.kill('SIGKILL');
    }
  });

  it('exits 2 naming every invalid variable', async () => {
    const { child, stderr } = start({
      DICOMESH_GRPC_PORT: 'x',
      DICOMESH_QUERY_MAX_MATCHES: '-1',
      DICOMESH_QUERY_PN_CASE_INSENSITIVE: 'perhaps',
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(CONFIG_EXIT_CODE);
    const record = JSON.parse(stderr().trim().split('\n').at(-1)!);
    expect(record.issues.map((issue: { env: string }) => issue.env).sort()).toEqual([
      'DICOMESH_GRPC_PORT',
      'DICOMESH_QUERY_MAX_MATCHES',
      'DICOMESH_QUERY_PN_CASE_INSENSITIVE',
    ]);
  });
});
