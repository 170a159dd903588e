/**
 * Calling-AE permissions from the AE registry, against a fake Kubernetes API server (the informer of
 * @dicomesh/k8s-registry over HTTP): with the kubernetes source an unregistered calling AE is rejected
 * (A-ASSOCIATE-RJ 1/1/3), applying an ApplicationEntity lets the new modality in without a restart, and a
 * request its entry does not grant is refused 0x0124. With the file source and the allow-calling policy,
 * anyone may do anything, as before (DICOMESH_ALLOWED_CALLING_AE_TITLES still narrows it).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createArchiveIndex,
  createFsBlobStore,
  createPgliteClient,
  migrate,
  type SqlClient,
} from '@dicomesh/archive';
import { parsePart10 } from '@dicomesh/dicom';
import { AssociationRejectedError, RejectReason, RejectResult, RejectSource } from '@dicomesh/dicom-ul';
import {
  type CGetHandler,
  type CMoveHandler,
  connectScu,
  type DimseClient,
  queryRetrieveContexts,
  Status,
  storageContexts,
  verificationContext,
} from '@dicomesh/dimse';
import {
  AeOperation,
  type AePermissions,
  type AeRegistry,
  aeRegistrySettings,
  openAeRegistry,
  UnlistedAePolicy,
} from '@dicomesh/k8s-registry';
import { type StorageServerHandle, startStorageServer } from '@dicomesh/storage';
import { createLogger, startTelemetry, type Telemetry } from '@dicomesh/telemetry';
import { startVerificationServer, type VerificationServerHandle } from '@dicomesh/verification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../../libs/k8s-registry/test/support/fake-api-server.js';
import { waitFor } from '../../../libs/k8s-registry/test/support/poll.js';
import { type CallingAePolicy, callingAePolicy } from '../src/calling-ae-policy.js';
import { connectBackends, type Gateway, startGateway } from '../src/index.js';
import { guardHandlers } from '../src/permission-guard.js';

const AE_TITLE = 'DICOMESH';
const NAMESPACE = 'radiology';
const BACKEND_DEADLINE_MS = 3_000;
const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const MR_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm';
const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const NONE: AePermissions = { store: false, find: false, move: false, get: false, moveDestination: false };

/** (0008,0052) QueryRetrieveLevel "STUDY " in Implicit VR Little Endian: a minimal C-FIND identifier. */
const STUDY_LEVEL_IDENTIFIER = Buffer.concat([
  Buffer.from([0x08, 0x00, 0x52, 0x00, 0x06, 0x00, 0x00, 0x00]),
  Buffer.from('STUDY ', 'latin1'),
]);

function applicationEntity(aeTitle: string, permissions: Partial<AePermissions>) {
  return { aeTitle, host: '10.1.2.3', port: 104, permissions: { ...NONE, ...permissions } };
}

function dcmtk(tool: string, args: readonly string[]): Promise<{ status: number; output: string }> {
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

interface Backends {
  readonly telemetry: Telemetry;
  readonly verification: VerificationServerHandle;
  readonly storage: StorageServerHandle;
  readonly sql: SqlClient;
}

async function startBackends(dir: string): Promise<Backends> {
  const telemetry = startTelemetry({ serviceName: 'gateway-permissions-test', exporter: 'none' });
  const sql = await createPgliteClient(join(dir, 'index'));
  await migrate(sql);
  const verification = await startVerificationServer({ host: '127.0.0.1', port: 0 });
  const storage = await startStorageServer({
    host: '127.0.0.1',
    port: 0,
    blobStore: await createFsBlobStore(join(dir, 'blobs')),
    index: createArchiveIndex(sql),
  });
  return { telemetry, verification, storage, sql };
}

async function stopBackends(backends: Backends | undefined): Promise<void> {
  await backends?.storage.close();
  await backends?.verification.close();
  await backends?.sql.close();
  await backends?.telemetry.shutdown();
}

function gatewayWith(backends: Backends, policy: CallingAePolicy): Promise<Gateway> {
  return startGateway({
    aeTitle: AE_TITLE,
    host: '127.0.0.1',
    port: 0,
    maxPduLength: 65_536,
    artimTimeoutMs: 5_000,
    idleTimeoutMs: 0,
    maxAssociations: 50,
    acceptUnknownSopClasses: false,
    backends: connectBackends({
      verificationUrl: `127.0.0.1:${backends.verification.port}`,
      storageUrl: `127.0.0.1:${backends.storage.port}`,
      // No query service: a refused C-FIND never reaches it.
      queryUrl: '127.0.0.1:1',
      deadlineMs: BACKEND_DEADLINE_MS,
    }),
    tracer: backends.telemetry.tracer('gateway-permissions-test'),
    allowedCallingAeTitles: policy.allowedCallingAeTitles,
    permissions: policy.allows,
  });
}

function associate(gateway: Gateway, callingAeTitle: string): Promise<DimseClient> {
  return connectScu({
    host: '127.0.0.1',
    port: gateway.port,
    callingAeTitle,
    calledAeTitle: AE_TITLE,
    contexts: [
      verificationContext(),
      ...storageContexts(['1.2.840.10008.5.1.4.1.1.2'], ['1.2.840.10008.1.2.1']),
      ...queryRetrieveContexts([IMPLICIT_VR_LITTLE_ENDIAN]),
    ],
  });
}

async function storeCtSmall(client: DimseClient) {
  const file = await readFile(CT_SMALL);
  const part10 = parsePart10(file);
  return client.store(
    part10.meta.mediaStorageSopClassUid ?? '',
    part10.meta.mediaStorageSopInstanceUid ?? '',
    part10.transferSyntaxUid,
    file.subarray(part10.dataSetOffset),
  );
}

async function findStatus(client: DimseClient): Promise<number> {
  const find = await client.find('study', STUDY_LEVEL_IDENTIFIER, {
    transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN,
  });
  for await (const _ of find) {
    // A refusal has no pending responses.
  }
  return (await find.result).status;
}

describe('calling AE permissions from ApplicationEntity resources (kubernetes source)', () => {
  let dir: string;
  let fake: FakeApiServer;
  let registry: AeRegistry;
  let policy: CallingAePolicy;
  let backends: Backends;
  let gateway: Gateway;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dicomesh-gateway-permissions-'));
    fake = await FakeApiServer.start({ namespace: NAMESPACE });
    fake.put('viewer', applicationEntity('VIEWER', { find: true, move: true, get: true }));
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: fake, cluster: {server: "${fake.url}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: tester, user: {}}]',
        `contexts: [{name: fake, context: {cluster: fake, user: tester, namespace: ${NAMESPACE}}}]`,
        'current-context: fake',
        '',
      ].join('\n'),
    );
    const settings = aeRegistrySettings({
      aeSource: 'kubernetes',
      aeFile: undefined,
      namespace: undefined,
      kubeconfig,
      serviceHost: undefined,
      servicePort: undefined,
    });
    expect(settings.unlisted).toBe(UnlistedAePolicy.Deny);
    registry = await openAeRegistry(settings, { backoff: { initialMs: 20, maxMs: 2_000, jitter: 0 } });
    policy = callingAePolicy({ registry, unlisted: settings.unlisted, logger: createLogger('gateway') });
    backends = await startBackends(dir);
    gateway = await gatewayWith(backends, policy);
  });

  afterAll(async () => {
    await gateway?.close();
    policy?.close();
    await registry?.close();
    await stopBackends(backends);
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects an unregistered calling AE with A-ASSOCIATE-RJ 1/1/3', async () => {
    const rejected = await associate(gateway, 'NEWCT').catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(AssociationRejectedError);
    expect(rejected).toMatchObject({
      result: RejectResult.Permanent,
      source: RejectSource.ServiceUser,
      reason: RejectReason.CallingAeTitleNotRecognized,
    });
    const run = await dcmtk('echoscu', [
      '-aet',
      'NEWCT',
      '-aec',
      AE_TITLE,
      '127.0.0.1',
      String(gateway.port),
    ]);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Calling AE Title Not Recognized');
  });

  it('lets the modality in once its ApplicationEntity is applied, without a restart', async () => {
    const port = gateway.port;
    fake.put('newct', applicationEntity('NEWCT', { store: true }));
    await waitFor('NEWCT in the registry', () => registry.lookup('NEWCT') !== undefined);
    const run = await dcmtk('storescu', [
      '-aet',
      'NEWCT',
      '-aec',
      AE_TITLE,
      '127.0.0.1',
      String(port),
      CT_SMALL,
    ]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('Received Store Response (Success)');
    expect(gateway.port).toBe(port);
  });

  it('refuses C-STORE with 0x0124 to an AE registered without store, and serves its C-ECHO', async () => {
    const client = await associate(gateway, 'VIEWER');
    try {
      expect(await client.echo()).toBe(Status.Success);
      const response = await storeCtSmall(client);
      expect(response.status).toBe(Status.NotAuthorized);
      expect(response.errorComment).toBe('VIEWER may not store');
    } finally {
      await client.association.release();
    }
    const run = await dcmtk('storescu', [
      '-aet',
      'VIEWER',
      '-aec',
      AE_TITLE,
      '127.0.0.1',
      String(gateway.port),
      MR_SMALL,
    ]);
    // DCMTK 3.6.7 has no name for 0x0124 in a C-STORE response.
    expect(run.output).toContain('Received Store Response (Unknown Status: 0x124)');
    expect(run.output).not.toContain('Received Store Response (Success)');
  });

  it('refuses C-FIND with 0x0124 to an AE registered without find', async () => {
    const client = await associate(gateway, 'NEWCT');
    try {
      expect(await findStatus(client)).toBe(Status.NotAuthorized);
    } finally {
      await client.association.release();
    }
  });

  it('applies a revoked permission to an open association, and a deleted AE to the next one', async () => {
    const client = await associate(gateway, 'NEWCT');
    try {
      expect((await storeCtSmall(client)).status).toBe(Status.Success);
      fake.put('newct', applicationEntity('NEWCT', { find: true }));
      await waitFor('NEWCT without store', () => !registry.allows('NEWCT', AeOperation.Store));
      expect((await storeCtSmall(client)).status).toBe(Status.NotAuthorized);
    } finally {
      await client.association.release();
    }
    fake.remove('newct');
    await waitFor('NEWCT gone', () => registry.lookup('NEWCT') === undefined);
    await expect(associate(gateway, 'NEWCT')).rejects.toMatchObject({
      reason: RejectReason.CallingAeTitleNotRecognized,
    });
  });
});

describe('calling AE permissions with the file source (allow-calling)', () => {
  let dir: string;
  let backends: Backends;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dicomesh-gateway-file-permissions-'));
    backends = await startBackends(dir);
  });

  afterAll(async () => {
    await stopBackends(backends);
    await rm(dir, { recursive: true, force: true });
  });

  async function withFileSource(
    allowed: readonly string[] | undefined,
    body: (gateway: Gateway) => Promise<void>,
  ) {
    const aeFile = join(dir, 'aes.yaml');
    await writeFile(aeFile, '- aeTitle: STORESCP\n  host: 127.0.0.1\n  port: 11113\n');
    const settings = aeRegistrySettings({
      aeSource: 'file',
      aeFile,
      namespace: undefined,
      kubeconfig: undefined,
      serviceHost: undefined,
      servicePort: undefined,
    });
    const registry = await openAeRegistry(settings);
    const policy = callingAePolicy({
      registry,
      unlisted: settings.unlisted,
      allowedCallingAeTitles: allowed,
      logger: createLogger('gateway'),
    });
    const gateway = await gatewayWith(backends, policy);
    try {
      await body(gateway);
    } finally {
      await gateway.close();
      policy.close();
      await registry.close();
    }
  }

  it('lets any calling AE associate and store, as before', async () => {
    await withFileSource(undefined, async (gateway) => {
      const run = await dcmtk('storescu', [
        '-aet',
        'ANYMODALITY',
        '-aec',
        AE_TITLE,
        '127.0.0.1',
        String(gateway.port),
        CT_SMALL,
      ]);
      expect(run.status, run.output).toBe(0);
      expect(run.output).toContain('Received Store Response (Success)');
    });
  });

  it('still narrows the calling AEs to DICOMESH_ALLOWED_CALLING_AE_TITLES', async () => {
    await withFileSource(['CT1'], async (gateway) => {
      const allowed = await dcmtk('echoscu', [
        '-aet',
        'CT1',
        '-aec',
        AE_TITLE,
        '127.0.0.1',
        String(gateway.port),
      ]);
      expect(allowed.status, allowed.output).toBe(0);
      const other = await dcmtk('echoscu', [
        '-aet',
        'CT2',
        '-aec',
        AE_TITLE,
        '127.0.0.1',
        String(gateway.port),
      ]);
      expect(other.status).not.toBe(0);
      expect(other.output).toContain('Calling AE Title Not Recognized');
    });
  });
});

describe('guardHandlers', () => {
  // Handlers that would report one completed sub-operation, to tell a passed request from a refused one.
  const cMove: CMoveHandler = async function* () {
    yield { remaining: 0, completed: 1, failed: 0, warning: 0 };
    return { counts: { completed: 1 } };
  };
  const cGet: CGetHandler = async function* () {
    yield { remaining: 0, completed: 1, failed: 0, warning: 0 };
    return { counts: { completed: 1 } };
  };
  const ctx = {} as Parameters<CMoveHandler>[1];
  const request = {
    messageId: 1,
    affectedSopClassUid: '1.2.840.10008.5.1.4.1.2.2.2',
    priority: 0,
    moveDestination: 'STORESCP',
    identifier: STUDY_LEVEL_IDENTIFIER,
    transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN,
    contextId: 1,
  };

  async function drain(iterable: AsyncIterable<unknown, unknown>) {
    const iterator = iterable[Symbol.asyncIterator]();
    let pending = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { pending, result: next.value };
      pending += 1;
    }
  }

  it('refuses C-MOVE and C-GET with 0x0124 and no pending response unless granted', async () => {
    const only = (operation: string) => (_title: string, asked: string) => asked === operation;
    const moveOnly = guardHandlers({ cMove, cGet }, 'WS1', only(AeOperation.Move));
    expect(await drain(moveOnly.cMove!(request, ctx))).toEqual({
      pending: 1,
      result: { counts: { completed: 1 } },
    });
    expect(await drain(moveOnly.cGet!(request, ctx as Parameters<CGetHandler>[1]))).toEqual({
      pending: 0,
      result: { status: Status.NotAuthorized, errorComment: 'WS1 may not get' },
    });
    const getOnly = guardHandlers({ cMove, cGet }, 'WS1', only(AeOperation.Get));
    expect(await drain(getOnly.cMove!(request, ctx))).toEqual({
      pending: 0,
      result: { status: Status.NotAuthorized, errorComment: 'WS1 may not move' },
    });
  });

  it('leaves handlers it does not guard, and adds none', () => {
    const guarded = guardHandlers({ cMove }, 'WS1', () => false);
    expect(guarded.cGet).toBeUndefined();
    expect(guarded.cStore).toBeUndefined();
  });
});
