/**
 * The services topology, and all-in-one, with their remote AEs from ApplicationEntity resources
 * (DICOMESH_AE_SOURCE=kubernetes, as the chart sets it for aeRegistry.source kubernetes), served by a fake
 * Kubernetes API server at the HTTP level and reached through a kubeconfig (by the gateway and retrieve, or by
 * the one process). A C-MOVE reaches a destination whose ApplicationEntity grants moveDestination, also one
 * applied after the start (the registry is watched); a registered AE without moveDestination is refused with
 * A801 and receives nothing. Calling AEs get the permissions of their resources: a C-STORE from one without
 * `store` is answered 0124, an unregistered one is rejected.
 */
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTool, run, startListener } from '../../libs/dimse/test/support/dcmtk.ts';
import { FakeApiServer } from '../../libs/k8s-registry/test/support/fake-api-server.ts';
import { startAllInOne } from '../../services/dicomesh/test/support/all-in-one.ts';
import { GATEWAY_AE_TITLE } from '../support/scu.ts';
import { startTopology } from '../support/topology.ts';

const NAMESPACE = 'radiology';
const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const CT_SMALL_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
/** How long a newly applied ApplicationEntity may take to reach retrieve's registry. */
const WATCH_DEADLINE_MS = 15_000;
const RETRY_MS = 100;
const NONE = { store: false, find: false, move: false, get: false, moveDestination: false };

/** A running archive: the services topology or all-in-one, with the environment given. */
interface Platform {
  readonly dicomPort: number;
  stop(): Promise<void>;
}

const PLATFORMS: Record<string, (env: Record<string, string>, dir: string) => Promise<Platform>> = {
  'the services topology': (env) => startTopology({ env }),
  'all-in-one': async (env, dir) => {
    const process = await startAllInOne(dir, env);
    return { dicomPort: process.port, stop: process.stop };
  },
};

function applicationEntity(aeTitle: string, port: number, permissions: Partial<typeof NONE>) {
  return { aeTitle, host: '127.0.0.1', port, permissions: { ...NONE, ...permissions } };
}

function storescp(aeTitle: string, dir: string): Promise<RunningTool> {
  return startListener('storescp', (port) => ['-aet', aeTitle, '-od', dir, String(port)]);
}

async function writeKubeconfig(path: string, server: string): Promise<void> {
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      // Plain HTTP: the Kubernetes client allows it only with TLS verification off.
      `clusters: [{name: fake, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: dicomesh, user: {}}]',
      `contexts: [{name: fake, context: {cluster: fake, user: dicomesh, namespace: ${NAMESPACE}}}]`,
      'current-context: fake',
      '',
    ].join('\n'),
  );
}

describe.each(Object.keys(PLATFORMS))(
  'C-MOVE destinations from ApplicationEntity resources, in %s',
  (name) => {
    let work: string;
    let fake: FakeApiServer;
    let platform: Platform;
    let pacs: RunningTool;
    let viewer: RunningTool;
    let pacsDir: string;
    let viewerDir: string;

    const moveStudyTo = (destination: string) =>
      run('movescu', [
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
        String(platform.dicomPort),
      ]);

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
      // A workstation that may query, not store.
      fake.put('lookup', applicationEntity('LOOKUP', 105, { find: true }));
      // The readiness check of all-in-one (echoscu's own AE title): C-ECHO needs no permission, only registration.
      fake.put('echoscu', applicationEntity('ECHOSCU', 106, {}));
      const kubeconfig = join(work, 'kubeconfig.yaml');
      await writeKubeconfig(kubeconfig, fake.url);
      const start = PLATFORMS[name] as (typeof PLATFORMS)[string];
      platform = await start(
        { DICOMESH_AE_SOURCE: 'kubernetes', KUBECONFIG: kubeconfig },
        join(work, 'data'),
      );
      const stored = await run('storescu', [
        '-aet',
        'MODALITY',
        '-aec',
        GATEWAY_AE_TITLE,
        '127.0.0.1',
        String(platform.dicomPort),
        CT_SMALL,
      ]);
      expect(stored.code, stored.output).toBe(0);
    });

    afterAll(async () => {
      await platform?.stop();
      await pacs?.stop();
      await viewer?.stop();
      await fake?.close();
      await rm(work, { recursive: true, force: true });
    });

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

    it("answers a registered AE's C-STORE without the store permission 0124, and rejects an unregistered one", async () => {
      const refused = await storeAs('LOOKUP');
      expect(refused.output).toMatch(/0x0?124|NotAuthorized|Not authorized/i);
      expect(refused.output).not.toMatch(/Received Store Response \(Success\)/);
      const stranger = await storeAs('STRANGER');
      expect(stranger.code, stranger.output).not.toBe(0);
      expect(stranger.output).toMatch(/Association Rejected/i);
    });

    const storeAs = (callingAe: string) =>
      run('storescu', [
        '-v',
        '-aet',
        callingAe,
        '-aec',
        GATEWAY_AE_TITLE,
        '127.0.0.1',
        String(platform.dicomPort),
        CT_SMALL,
      ]);
  },
);
