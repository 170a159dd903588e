/**
 * The services topology with its remote AEs from ApplicationEntity resources (DICOMESH_AE_SOURCE=kubernetes,
 * as the chart sets it for aeRegistry.source kubernetes), served by a fake Kubernetes API server at the HTTP
 * level and reached by the gateway and retrieve through a kubeconfig. A C-MOVE reaches a destination whose
 * ApplicationEntity grants moveDestination, also one applied after the start (retrieve watches the
 * resources); a registered AE without moveDestination is refused with A801 and receives nothing.
 */
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTool, run, startListener } from '../../libs/dimse/test/support/dcmtk.ts';
import { FakeApiServer } from '../../libs/k8s-registry/test/support/fake-api-server.ts';
import { GATEWAY_AE_TITLE } from '../support/scu.ts';
import { startTopology, type Topology } from '../support/topology.ts';

const NAMESPACE = 'radiology';
const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const CT_SMALL_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
/** How long a newly applied ApplicationEntity may take to reach retrieve's registry. */
const WATCH_DEADLINE_MS = 15_000;
const RETRY_MS = 100;
const NONE = { store: false, find: false, move: false, get: false, moveDestination: false };

let work: string;
let fake: FakeApiServer;
let topology: Topology;
let pacs: RunningTool;
let viewer: RunningTool;
let pacsDir: string;
let viewerDir: string;

function applicationEntity(aeTitle: string, port: number, permissions: Partial<typeof NONE>) {
  return { aeTitle, host: '127.0.0.1', port, permissions: { ...NONE, ...permissions } };
}

function storescp(aeTitle: string, dir: string): Promise<RunningTool> {
  return startListener('storescp', (port) => ['-aet', aeTitle, '-od', dir, String(port)]);
}

function moveStudyTo(destination: string) {
  return run('movescu', [
    '-v',
    '-S',
    '-aet',
    'MODALITY',
    '-aec',
    GATEWAY_AE_TITLE,
    '-aem',
    destination,
    '-k',
    'QueryRetrieveLevel=STUDY',
    '-k',
    `StudyInstanceUID=${CT_SMALL_STUDY}`,
    '127.0.0.1',
    String(topology.dicomPort),
  ]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dicomesh-kubernetes-ae-'));
  pacsDir = join(work, 'pacs');
  viewerDir = join(work, 'viewer');
  await mkdir(pacsDir);
  await mkdir(viewerDir);
  pacs = await storescp('PACS', pacsDir);
  viewer = await storescp('VIEWER', viewerDir);
  fake = await FakeApiServer.start({ namespace: NAMESPACE });
  fake.put('modality', applicationEntity('MODALITY', 104, { store: true, move: true }));
  fake.put('pacs', applicationEntity('PACS', pacs.port, { moveDestination: true }));
  // Registered and reachable, but not granted moveDestination.
  fake.put('viewer', applicationEntity('VIEWER', viewer.port, { find: true }));
  const kubeconfig = join(work, 'kubeconfig.yaml');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      // Plain HTTP: the Kubernetes client allows it only with TLS verification off.
      `clusters: [{name: fake, cluster: {server: "${fake.url}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: dicomesh, user: {}}]',
      `contexts: [{name: fake, context: {cluster: fake, user: dicomesh, namespace: ${NAMESPACE}}}]`,
      'current-context: fake',
      '',
    ].join('\n'),
  );
  topology = await startTopology({ env: { DICOMESH_AE_SOURCE: 'kubernetes', KUBECONFIG: kubeconfig } });
  const stored = await run('storescu', [
    '-aet',
    'MODALITY',
    '-aec',
    GATEWAY_AE_TITLE,
    '127.0.0.1',
    String(topology.dicomPort),
    CT_SMALL,
  ]);
  expect(stored.code, stored.output).toBe(0);
});

afterAll(async () => {
  await topology?.stop();
  await pacs?.stop();
  await viewer?.stop();
  await fake?.close();
  await rm(work, { recursive: true, force: true });
});

describe('C-MOVE destinations from ApplicationEntity resources, in the services topology', () => {
  it('moves the study to a destination granted moveDestination', async () => {
    const moved = await moveStudyTo('PACS');
    expect(moved.code, moved.output).toBe(0);
    expect(moved.output).toMatch(/Received Final Move Response \(Success\)/);
    expect(readdirSync(pacsDir)).toHaveLength(1);
  });

  it('refuses a registered AE without moveDestination with A801, and sends it nothing', async () => {
    const moved = await moveStudyTo('VIEWER');
    expect(moved.output).toMatch(/Move Destination Unknown|MoveDestinationUnknown/);
    expect(moved.output).not.toMatch(/Final Move Response \(Success\)/);
    expect(readdirSync(viewerDir)).toHaveLength(0);
  });

  it('moves to a destination applied after the start, without a restart', async () => {
    fake.put('archive2', applicationEntity('ARCHIVE2', viewer.port, { moveDestination: true }));
    const deadline = Date.now() + WATCH_DEADLINE_MS;
    let moved = await moveStudyTo('ARCHIVE2');
    while (!/Final Move Response \(Success\)/.test(moved.output) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      moved = await moveStudyTo('ARCHIVE2');
    }
    expect(moved.output).toMatch(/Received Final Move Response \(Success\)/);
    expect(readdirSync(viewerDir)).toHaveLength(1);
  });
});
