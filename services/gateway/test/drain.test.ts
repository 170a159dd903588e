/**
 * Drain on SIGTERM, with the gateway as its own `dicomesh gateway` process (the built launcher, as the
 * image runs it) in front of a verification server in this process: an open association goes on and is
 * released normally, a new one gets A-ASSOCIATE-RJ transient (2/3/1, temporary congestion), and the process
 * exits 0 once the open one has ended; past DICOMESH_SHUTDOWN_GRACE, what is still open is aborted and the
 * process exits 0 all the same. Runs the built launcher: `tsc -b` first, as for the topology tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { AssociationRejectedError, RejectReason, RejectResult, RejectSource } from '@dicomesh/dicom-ul';
import { connectScu, type DimseClient, Status, verificationContext } from '@dicomesh/dimse';
import { startVerificationServer, type VerificationServerHandle } from '@dicomesh/verification';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
const AE_TITLE = 'DICOMESH';
const READY_TIMEOUT_MS = 20_000;
const POLL_MS = 50;
/** Far longer than the test takes: the process must exit because the association ended, not at the deadline. */
const LONG_GRACE = '120s';
const SHORT_GRACE = '1s';

interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startGatewayProcess(verificationPort: number, grace: string): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [LAUNCHER, 'gateway'], {
    env: {
      ...process.env,
      DICOMESH_DICOM_HOST: '127.0.0.1',
      DICOMESH_DICOM_PORT: String(port),
      DICOMESH_GRPC_PORT: String(await freePort()),
      DICOMESH_METRICS_PORT: '0',
      DICOMESH_VERIFICATION_URL: `127.0.0.1:${verificationPort}`,
      DICOMESH_SHUTDOWN_GRACE: grace,
      DICOMESH_AE_TITLE: AE_TITLE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${output}`);
    const client = await associate(port).catch(() => undefined);
    if (client !== undefined) {
      await client.association.release();
      break;
    }
    if (Date.now() > deadline) throw new Error(`gateway did not accept associations: ${output}`);
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  return { child, port, output: () => output, exited };
}

function associate(port: number): Promise<DimseClient> {
  return connectScu({
    host: '127.0.0.1',
    port,
    callingAeTitle: 'DRAINSCU',
    calledAeTitle: AE_TITLE,
    contexts: [verificationContext()],
  });
}

/** Waits until the gateway has logged that it is draining (its SIGTERM handler ran). */
async function untilDraining(gateway: GatewayProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!gateway.output().includes('"msg":"draining"')) {
    if (Date.now() > deadline) throw new Error(`gateway did not start draining: ${gateway.output()}`);
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

describe('dicomesh gateway on SIGTERM', () => {
  let verification: VerificationServerHandle;
  let gateway: GatewayProcess | undefined;

  beforeAll(async () => {
    verification = await startVerificationServer({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    if (gateway !== undefined && gateway.child.exitCode === null && gateway.child.signalCode === null) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
    gateway = undefined;
  });

  afterAll(async () => {
    await verification?.close();
  });

  it('finishes the open association, rejects new ones transiently, then exits 0', async () => {
    gateway = await startGatewayProcess(verification.port, LONG_GRACE);
    const open = await associate(gateway.port);
    expect(await open.echo()).toBe(Status.Success);

    gateway.child.kill('SIGTERM');
    await untilDraining(gateway);

    const rejected = await associate(gateway.port).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(AssociationRejectedError);
    expect(rejected).toMatchObject({
      result: RejectResult.Transient,
      source: RejectSource.ServiceProviderPresentation,
      reason: RejectReason.TemporaryCongestion,
    });

    // The open association is still served, and the process waits for it.
    expect(await open.echo()).toBe(Status.Success);
    expect(gateway.child.exitCode).toBeNull();
    await open.association.release();

    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(gateway.output()).toContain('"msg":"gateway stopped"');
  });

  it('aborts what is still open once DICOMESH_SHUTDOWN_GRACE has passed, and exits 0', async () => {
    gateway = await startGatewayProcess(verification.port, SHORT_GRACE);
    const open = await associate(gateway.port);
    const ended = once(open.association, 'end');

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    const [end] = (await ended) as [{ reason: string }];
    expect(end.reason).not.toBe('released');
    expect(gateway.output()).toContain('"graceMs":1000');
  });
});
