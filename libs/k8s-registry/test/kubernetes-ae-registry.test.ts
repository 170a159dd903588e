import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, type LoggingOptions } from '@dicomesh/telemetry';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AeOperation,
  type AePermissions,
  type AeRegistry,
  aeRegistrySettings,
  type KubernetesAeRegistry,
  NO_PERMISSIONS,
  openAeRegistry,
  type RegisteredAe,
} from '../src/index.js';
import { FakeApiServer } from './support/fake-api-server.js';
import { pollUntil, waitFor } from './support/poll.js';

const NAMESPACE = 'pacs';
// maxMs well above a slow list on a loaded machine: a start older than maxMs resets the backoff.
const BACKOFF = { initialMs: 20, maxMs: 5_000, jitter: 0 };

interface LogLine {
  readonly level: string;
  readonly module: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

let dir: string;
let logs: LogLine[];
let previousLogging: Required<LoggingOptions>;
let server: FakeApiServer;
const opened: AeRegistry[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-k8s-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

beforeEach(async () => {
  logs = [];
  previousLogging = configureLogging({ write: (line) => logs.push(JSON.parse(line) as LogLine) });
  server = await FakeApiServer.start({ namespace: NAMESPACE });
});

afterEach(async () => {
  if (process.env.DEBUG_K8S) process.stderr.write(`${JSON.stringify(logs, null, 1)}\n`);
  for (const registry of opened.splice(0)) await registry.close();
  await server.close();
  configureLogging(previousLogging);
});

function spec(
  aeTitle: string,
  port: number,
  permissions: Partial<AePermissions> = {},
): Record<string, unknown> {
  return { aeTitle, host: '127.0.0.1', port, permissions: { ...NO_PERMISSIONS, ...permissions } };
}

/** A kubeconfig file whose current context points at the fake server. */
async function kubeconfigFor(fake: FakeApiServer): Promise<string> {
  const path = join(dir, `kubeconfig-${fake.port}.yaml`);
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${fake.url}`,
      '    insecure-skip-tls-verify: true # plain HTTP: client-node requires it',
      'users:',
      '- name: tester',
      '  user: {}',
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: tester',
      `    namespace: ${NAMESPACE}`,
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return path;
}

async function open(syncTimeoutMs = 10_000): Promise<KubernetesAeRegistry> {
  const settings = aeRegistrySettings({
    aeSource: 'kubernetes',
    aeFile: undefined,
    namespace: undefined,
    kubeconfig: await kubeconfigFor(server),
    serviceHost: undefined,
    servicePort: undefined,
  });
  const registry = (await openAeRegistry(settings, {
    backoff: BACKOFF,
    syncTimeoutMs,
  })) as KubernetesAeRegistry;
  opened.push(registry);
  return registry;
}

/** The registry as `title:port:permissions granted`, ordered by title. */
function summary(registry: AeRegistry): string[] {
  return registry.entries().map(show);
}

function show(entry: RegisteredAe): string {
  const granted = Object.entries(entry.permissions)
    .filter(([, allowed]) => allowed)
    .map(([operation]) => operation);
  return `${entry.aeTitle}:${entry.port}:${granted.join('+')}`;
}

async function expectRegistry(
  registry: AeRegistry,
  expected: readonly string[],
  what: string,
): Promise<void> {
  const want = JSON.stringify(expected);
  try {
    await waitFor(what, () => JSON.stringify(summary(registry)) === want);
  } catch (error) {
    throw new Error(`${what}: registry is ${JSON.stringify(summary(registry))}, want ${want}`, {
      cause: error,
    });
  }
}

function warnings(message: RegExp): LogLine[] {
  return logs.filter((line) => line.level === 'warn' && message.test(line.msg));
}

describe('Kubernetes AE registry (informer against a fake API server)', () => {
  it('lists the resources at start, then watches from the list resourceVersion', async () => {
    server.put('ct1', spec('CT1', 104, { store: true }));
    server.put('pacs2', spec('PACS2', 11113, { moveDestination: true, find: true }));
    const listedAt = server.currentResourceVersion;
    const registry = await open();
    expect(registry.isSynced).toBe(true);
    expect(summary(registry)).toEqual(['CT1:104:store', 'PACS2:11113:find+moveDestination']);
    expect(registry.lookup(' CT1 ')).toMatchObject({
      host: '127.0.0.1',
      port: 104,
      origin: 'kubernetes:pacs/ct1',
    });
    expect(registry.allows('CT1', AeOperation.Store)).toBe(true);
    expect(registry.allows('CT1', AeOperation.Find)).toBe(false);
    expect(registry.allows('PACS2', AeOperation.MoveDestination)).toBe(true);
    expect(registry.allows('UNKNOWN', AeOperation.Store)).toBe(false);
    await waitFor('the watch', () => server.openWatches === 1);
    expect(server.watchRequests).toEqual([{ resourceVersion: listedAt, answer: 'stream' }]);
    expect(server.listRequests).toBe(1);
  });

  it('applies ADDED, MODIFIED and DELETED watch events, telling the change listeners', async () => {
    server.put('ct1', spec('CT1', 104, { store: true }));
    const registry = await open();
    const seen: string[][] = [];
    registry.onChange((entries) => seen.push(entries.map(show)));
    await waitFor('the watch', () => server.openWatches === 1);

    server.put('mr1', spec('MR1', 4006, { store: true }));
    await expectRegistry(registry, ['CT1:104:store', 'MR1:4006:store'], 'after ADDED');
    server.put('mr1', spec('MR1', 4007, { store: true, find: true, get: true }));
    await expectRegistry(registry, ['CT1:104:store', 'MR1:4007:store+find+get'], 'after MODIFIED');
    expect(registry.allows('MR1', AeOperation.Get)).toBe(true);
    server.put('mr1', spec('MR1_NEW', 4007, { store: true }));
    await expectRegistry(
      registry,
      ['CT1:104:store', 'MR1_NEW:4007:store'],
      'after a MODIFIED of the AE title',
    );
    expect(registry.lookup('MR1')).toBeUndefined();
    server.remove('mr1');
    await expectRegistry(registry, ['CT1:104:store'], 'after DELETED');
    server.remove('ct1');
    await expectRegistry(registry, [], 'after deleting the last');

    expect(seen).toEqual([
      ['CT1:104:store', 'MR1:4006:store'],
      ['CT1:104:store', 'MR1:4007:store+find+get'],
      ['CT1:104:store', 'MR1_NEW:4007:store'],
      ['CT1:104:store'],
      [],
    ]);
    expect(server.listRequests).toBe(1);
  });

  it('relists after an ERROR event with code 410 on the open watch', async () => {
    server.put('ct1', spec('CT1', 104, { store: true }));
    server.put('old', spec('OLD', 105, { store: true }));
    const registry = await open();
    await waitFor('the watch', () => server.openWatches === 1);
    // Changes whose events are lost to compaction: only a relist can show them.
    server.put('ct1', spec('CT1', 204, { store: true, find: true }), { silent: true });
    server.put('new', spec('NEW', 106, { get: true }), { silent: true });
    server.remove('old', { silent: true });
    server.compact();
    server.expireOpenWatches();
    await expectRegistry(registry, ['CT1:204:store+find', 'NEW:106:get'], 'after the 410 and the relist');
    expect(server.listRequests).toBe(2);
    await waitFor('the watch again', () => server.openWatches === 1);
    server.put('later', spec('LATER', 107, { store: true }));
    await expectRegistry(
      registry,
      ['CT1:204:store+find', 'LATER:107:store', 'NEW:106:get'],
      'events after the relist',
    );
  });

  it('relists when a new watch is refused with an ERROR event 410 (resourceVersion compacted)', async () => {
    server.goneMode = 'event';
    server.put('ct1', spec('CT1', 104, { store: true }));
    const registry = await open();
    await waitFor('the watch', () => server.openWatches === 1);
    server.put('ct1', spec('CT1', 304, { store: true }), { silent: true });
    server.put('us1', spec('US1', 305, { store: true }), { silent: true });
    server.compact();
    server.dropWatches();
    await expectRegistry(registry, ['CT1:304:store', 'US1:305:store'], 'after the relist');
    // The relist's state is in before its new watch is made: wait for that watch, then check the sequence.
    await waitFor('the watch after the relist', () => server.watchRequests.length >= 3);
    expect(server.watchRequests.map((request) => request.answer)).toEqual(['stream', 'gone-event', 'stream']);
    expect(server.listRequests).toBe(2);
  });

  it('relists when a new watch is refused with HTTP 410 Gone', async () => {
    server.goneMode = 'http';
    server.put('ct1', spec('CT1', 104, { store: true }));
    server.put('xa1', spec('XA1', 108, { store: true }));
    const registry = await open();
    await waitFor('the watch', () => server.openWatches === 1);
    server.remove('xa1', { silent: true });
    server.put('ct1', spec('CT1', 404, { move: true }), { silent: true });
    server.compact();
    server.dropWatches();
    await expectRegistry(registry, ['CT1:404:move'], 'after the relist');
    await waitFor('the watch again', () => server.openWatches === 1);
    expect(server.watchRequests.map((request) => request.answer)).toEqual(['stream', 'gone-http', 'stream']);
    expect(server.listRequests).toBe(2);
  });

  it('watches again from its resourceVersion after a connection dropped mid-event, without a relist', async () => {
    server.put('ct1', spec('CT1', 104, { store: true }));
    server.put('dx1', spec('DX1', 109, { store: true }));
    const registry = await open();
    await waitFor('the watch', () => server.openWatches === 1);
    server.put('ct1', spec('CT1', 110, { store: true }));
    await expectRegistry(registry, ['CT1:110:store', 'DX1:109:store'], 'before the drop');
    const seenBeforeDrop = server.currentResourceVersion;

    server.dropWatches();
    // Made while no watch is open (the registry restarts after its backoff): replayed from the history.
    server.put('mg1', spec('MG1', 111, { store: true }));
    server.remove('dx1');
    await expectRegistry(registry, ['CT1:110:store', 'MG1:111:store'], 'after the re-watch');
    expect(server.watchRequests[1]).toEqual({ resourceVersion: seenBeforeDrop, answer: 'stream' });
    expect(warnings(/watch failed; restarting/)).not.toHaveLength(0);

    for (let drop = 0; drop < 3; drop += 1) {
      await waitFor('the watch again', () => server.openWatches === 1);
      server.dropWatches();
      server.put('mg1', spec('MG1', 200 + drop, { store: true }));
    }
    await expectRegistry(registry, ['CT1:110:store', 'MG1:202:store'], 'after repeated drops');
    expect(server.listRequests).toBe(1);
  });

  it('ignores invalid resources with a warning, and follows them when they are fixed or broken', async () => {
    server.put('long', spec('ABCDEFGHIJKLMNOPQ', 104, { store: true }));
    server.put('badport', spec('BADPORT', 70_000, { store: true }));
    server.put('ok', spec('OK', 104, { store: true }));
    const registry = await open();
    expect(summary(registry)).toEqual(['OK:104:store']);
    const invalid = warnings(/ApplicationEntity ignored: invalid/);
    expect(invalid.map((line) => line.resource).sort()).toEqual(['pacs/badport', 'pacs/long']);
    expect(JSON.stringify(invalid)).toMatch(/at most 16 characters/);
    expect(JSON.stringify(invalid)).toMatch(/spec\.port must be an integer between 1 and 65535, got 70000/);
    await waitFor('the watch', () => server.openWatches === 1);

    server.put('slash', spec('A\\B', 104, { store: true }));
    server.put('noport', { aeTitle: 'NOPORT', host: 'h' });
    await waitFor('two more warnings', () => warnings(/ignored: invalid/).length === 4);
    expect(
      warnings(/ignored: invalid/)
        .map((line) => line.resource)
        .slice(2),
    ).toEqual(['pacs/slash', 'pacs/noport']);
    server.put('badport', spec('BADPORT', 11_112, { find: true }));
    await expectRegistry(registry, ['BADPORT:11112:find', 'OK:104:store'], 'after fixing a resource');
    server.put('ok', spec('OK', 0, { store: true }));
    await expectRegistry(registry, ['BADPORT:11112:find'], 'after breaking a resource');
    server.put('later', spec('LATER', 105, { store: true }));
    await expectRegistry(registry, ['BADPORT:11112:find', 'LATER:105:store'], 'still watching');
    expect(logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('retries a failing list with backoff until it succeeds', async () => {
    server.put('ct1', spec('CT1', 104, { store: true }));
    server.failLists(3);
    const registry = await open(0);
    await pollUntil('the first list', () => (registry.isSynced ? true : undefined));
    expect(summary(registry)).toEqual(['CT1:104:store']);
    expect(server.listRequests).toBe(4);
    const retries = warnings(/list or watch failed; restarting/);
    expect(retries.map((line) => line.delayMs)).toEqual([20, 40, 80]);
    expect(retries[0]?.error).toMatchObject({ code: 500 });
  });

  it('uses the oldest resource when two claim the same AE title', async () => {
    server.put('first', spec('DUP', 1001, { store: true }));
    server.put('second', spec('DUP', 1002, { find: true }));
    const registry = await open();
    expect(summary(registry)).toEqual(['DUP:1001:store']);
    expect(warnings(/claim the same AE title/)[0]).toMatchObject({
      aeTitle: 'DUP',
      used: 'first',
      ignored: ['second'],
    });
    await waitFor('the watch', () => server.openWatches === 1);
    server.remove('first');
    await expectRegistry(registry, ['DUP:1002:find'], 'after deleting the older');
  });

  it('stops watching when closed', async () => {
    const registry = await open();
    await waitFor('the watch', () => server.openWatches === 1);
    await registry.close();
    await waitFor('the watch to close', () => server.openWatches === 0);
    server.put('ct1', spec('CT1', 104, { store: true }));
    expect(registry.entries()).toEqual([]);
    expect(warnings(/restarting/)).toEqual([]);
  });
});

describe('in-cluster configuration', () => {
  it('reaches the API server over TLS with the service account token, CA and namespace', async () => {
    const accountDir = await mkdtemp(join(dir, 'serviceaccount-'));
    const key = join(accountDir, 'server.key');
    const cert = join(accountDir, 'ca.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    await writeFile(join(accountDir, 'token'), 'service-account-token\n');
    await writeFile(join(accountDir, 'namespace'), NAMESPACE);
    const secure = await FakeApiServer.start({
      namespace: NAMESPACE,
      token: 'service-account-token',
      tls: { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') },
    });
    try {
      secure.put('ct1', spec('CT1', 104, { store: true }));
      const settings = aeRegistrySettings(
        {
          aeSource: 'kubernetes',
          aeFile: undefined,
          namespace: undefined,
          kubeconfig: undefined,
          serviceHost: '127.0.0.1',
          servicePort: secure.port,
        },
        accountDir,
      );
      expect(settings).toMatchObject({
        source: 'kubernetes',
        access: { kind: 'in-cluster' },
        unlisted: 'deny',
      });
      const registry = (await openAeRegistry(settings, { backoff: BACKOFF })) as KubernetesAeRegistry;
      opened.push(registry);
      expect(registry.isSynced).toBe(true);
      expect(summary(registry)).toEqual(['CT1:104:store']);
      await waitFor('the watch', () => secure.openWatches === 1);
      secure.put('mr1', spec('MR1', 105, { find: true }));
      await expectRegistry(registry, ['CT1:104:store', 'MR1:105:find'], 'watch over TLS');
      expect(secure.watchRequests.every((request) => request.answer === 'stream')).toBe(true);
    } finally {
      for (const registry of opened.splice(0)) await registry.close();
      await secure.close();
    }
  });
});
