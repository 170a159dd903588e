/**
 * DICOM TLS (PS3.15 Annex B) on the gateway's second listener, with DCMTK's echoscu and storescu over
 * `+tls` against a CA, server and client certificates made by openssl: echo and store work, a client
 * without a certificate (or with one our CA did not sign) is refused when client certificates are required,
 * TLS older than 1.2 is refused, and the plain port goes on serving.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import {
  type ArchiveIndex,
  createArchiveIndex,
  createFsBlobStore,
  createPgliteClient,
  migrate,
  type SqlClient,
} from '@dicomesh/archive';
import { type StorageServerHandle, startStorageServer } from '@dicomesh/storage';
import { startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { startVerificationServer, type VerificationServerHandle } from '@dicomesh/verification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, signed, type TestPki } from '../../../test/support/certificates.js';
import { connectBackends, type Gateway, startGateway } from '../src/index.js';

const AE_TITLE = 'DICOMESH';
const BACKEND_DEADLINE_MS = 3_000;
const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const CT_SMALL_SOP_INSTANCE_UID = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';

interface Run {
  readonly status: number;
  readonly output: string;
}

/** A DCMTK tool, run asynchronously: the gateway under test lives in this process's event loop. */
function dcmtk(tool: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      tool,
      ['-v', ...args],
      { env: { ...process.env, TCP_NODELAY: '1' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status, output: stdout + stderr });
      },
    );
  });
}

/** `+tls key cert` (or `+tla`: no certificate of ours), trusting our CA for the server's certificate. */
function tlsArgs(pki: TestPki, identity: 'client' | 'stranger' | 'none'): string[] {
  const own = identity === 'none' ? ['+tla'] : ['+tls', pki[identity].key, pki[identity].cert];
  return [...own, '+cf', pki.caCert];
}

/** The common name of the certificate the listener on `port` presents. */
function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const subject = socket.getPeerCertificate().subject;
      socket.destroy();
      resolve(String(subject?.CN));
    });
    socket.once('error', reject);
  });
}

/** Polls the async `check` until it returns a value, or fails at the deadline. */
async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

function address(port: number, callingAe = 'TLSSCU'): string[] {
  return ['-aet', callingAe, '-aec', AE_TITLE, '127.0.0.1', String(port)];
}

describe('gateway DICOM TLS listener', () => {
  let dir: string;
  let pki: TestPki;
  let telemetry: Telemetry;
  let sql: SqlClient;
  let index: ArchiveIndex;
  let verification: VerificationServerHandle;
  let storage: StorageServerHandle;
  let strict: Gateway;
  let lenient: Gateway;

  function gateway(requireClientCert: boolean): Promise<Gateway> {
    return startGateway(options(requireClientCert));
  }

  function options(requireClientCert: boolean) {
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
        verificationUrl: `127.0.0.1:${verification.port}`,
        storageUrl: `127.0.0.1:${storage.port}`,
        deadlineMs: BACKEND_DEADLINE_MS,
      }),
      tracer: telemetry.tracer('gateway-tls-test'),
      tls: {
        host: '127.0.0.1',
        port: 0,
        certFile: pki.server.cert,
        keyFile: pki.server.key,
        ...(requireClientCert ? { caFile: pki.caCert } : {}),
        requireClientCert,
      },
    };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dicomesh-gateway-tls-'));
    pki = await makeTestPki(dir);
    telemetry = startTelemetry({ serviceName: 'gateway-tls-test', exporter: 'none' });
    sql = await createPgliteClient(join(dir, 'index'));
    await migrate(sql);
    index = createArchiveIndex(sql);
    verification = await startVerificationServer({ host: '127.0.0.1', port: 0 });
    storage = await startStorageServer({
      host: '127.0.0.1',
      port: 0,
      blobStore: await createFsBlobStore(join(dir, 'blobs')),
      index,
    });
    strict = await gateway(true);
    lenient = await gateway(false);
  });

  afterAll(async () => {
    await strict?.close();
    await lenient?.close();
    await storage?.close();
    await verification?.close();
    await sql?.close();
    await telemetry?.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on its own port beside the plain one', () => {
    expect(strict.tlsPort).toBeGreaterThan(0);
    expect(strict.tlsPort).not.toBe(strict.port);
  });

  it('answers echoscu +tls with a client certificate our CA signed', async () => {
    const run = await dcmtk('echoscu', [...tlsArgs(pki, 'client'), ...address(strict.tlsPort!)]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('Received Echo Response (Success)');
  });

  it('stores with storescu +tls, and the instance is in the index', async () => {
    const run = await dcmtk('storescu', [
      ...tlsArgs(pki, 'client'),
      ...address(strict.tlsPort!, 'TLSMODALITY'),
      CT_SMALL,
    ]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('Received Store Response (Success)');
    const stored = await index.getInstance(CT_SMALL_SOP_INSTANCE_UID);
    expect(stored?.sopInstanceUid).toBe(CT_SMALL_SOP_INSTANCE_UID);
  });

  it('refuses a client without a certificate when client certificates are required', async () => {
    const run = await dcmtk('echoscu', [...tlsArgs(pki, 'none'), ...address(strict.tlsPort!)]);
    expect(run.status, run.output).not.toBe(0);
    expect(run.output).not.toContain('Received Echo Response');
    expect(run.output).toMatch(/TLS|certificate|Association Request Failed/i);
  });

  it('refuses a client whose certificate our CA did not sign', async () => {
    const run = await dcmtk('echoscu', [...tlsArgs(pki, 'stranger'), ...address(strict.tlsPort!)]);
    expect(run.status, run.output).not.toBe(0);
    expect(run.output).not.toContain('Received Echo Response');
  });

  it('lets a client without a certificate in when they are not required', async () => {
    const run = await dcmtk('echoscu', [...tlsArgs(pki, 'none'), ...address(lenient.tlsPort!)]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('Received Echo Response (Success)');
  });

  it('refuses plain DICOM on the TLS port, and serves it on the plain port', async () => {
    const onTls = await dcmtk('echoscu', address(strict.tlsPort!));
    expect(onTls.status, onTls.output).not.toBe(0);
    const plain = await dcmtk('echoscu', address(strict.port));
    expect(plain.status, plain.output).toBe(0);
  });

  it('closes with a connection whose TLS handshake never started (a load balancer probe)', async () => {
    const probed = await gateway(true);
    const probe = netConnect(probed.tlsPort!, '127.0.0.1');
    await once(probe, 'connect');
    const closedByGateway = once(probe, 'close');
    await probed.close();
    await closedByGateway;
  });

  it('serves a renewed certificate once its files change, without a restart', async () => {
    const mounted = join(dir, 'mounted');
    await mkdir(mounted);
    const files = { cert: join(mounted, 'tls.crt'), key: join(mounted, 'tls.key') };
    await copyFile(pki.server.cert, files.cert);
    await copyFile(pki.server.key, files.key);
    const renewing = await startGateway({
      ...options(false),
      tls: {
        host: '127.0.0.1',
        port: 0,
        certFile: files.cert,
        keyFile: files.key,
        requireClientCert: false,
        reloadIntervalMs: 20,
      },
    });
    try {
      expect(await servedCommonName(renewing.tlsPort!)).toBe('server');
      const renewed = await signed(dir, 'server-renewed', pki.ca);
      // As a Secret volume does it: the new files appear in place (here one after the other).
      await copyFile(renewed.cert, files.cert);
      await copyFile(renewed.key, files.key);
      await pollUntil('the renewed certificate served', async () =>
        (await servedCommonName(renewing.tlsPort!)) === 'server-renewed' ? true : undefined,
      );
      const run = await dcmtk('echoscu', [...tlsArgs(pki, 'none'), ...address(renewing.tlsPort!)]);
      expect(run.status, run.output).toBe(0);
    } finally {
      await renewing.close();
    }
  });

  it('refuses TLS 1.1', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: lenient.tlsPort!,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ca: [],
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(`connected with ${socket.getProtocol()}`);
      });
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).not.toMatch(/^connected/);
  });
});
