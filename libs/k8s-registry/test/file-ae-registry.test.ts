import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AeFileError } from '@dicomesh/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AeOperation,
  aeRegistrySettings,
  emptyAeRegistry,
  loadFileAeRegistry,
  NO_PERMISSIONS,
  openAeRegistry,
  UnlistedAePolicy,
} from '../src/index.js';

let dir: string;
let path: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dicomesh-aereg-'));
  path = join(dir, 'aes.yaml');
  await writeFile(
    path,
    '- aeTitle: STORESCP\n  host: 127.0.0.1\n  port: 11113\n- aeTitle: PACS2\n  host: pacs2\n  port: 104\n',
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('file AE registry', () => {
  it('serves the file entries with every permission, ordered by title', async () => {
    const registry = await loadFileAeRegistry(path);
    expect(registry.entries().map((e) => e.aeTitle)).toEqual(['PACS2', 'STORESCP']);
    expect(registry.lookup(' STORESCP ')).toMatchObject({
      host: '127.0.0.1',
      port: 11113,
      origin: `file:${path}`,
    });
    expect(registry.lookup('storescp')).toBeUndefined();
    expect(registry.allows('STORESCP', AeOperation.MoveDestination)).toBe(true);
    expect(registry.allows('PACS2', AeOperation.Store)).toBe(true);
  });

  it('lets unlisted calling AEs store, find, move and get by default, never be a destination', async () => {
    const registry = await loadFileAeRegistry(path);
    for (const operation of [AeOperation.Store, AeOperation.Find, AeOperation.Move, AeOperation.Get]) {
      expect(registry.allows('MODALITY', operation)).toBe(true);
    }
    expect(registry.allows('MODALITY', AeOperation.MoveDestination)).toBe(false);
  });

  it('applies the given permissions and unlisted policy', async () => {
    const registry = await loadFileAeRegistry(path, {
      permissions: { ...NO_PERMISSIONS, moveDestination: true },
      unlisted: UnlistedAePolicy.Deny,
    });
    expect(registry.allows('STORESCP', AeOperation.MoveDestination)).toBe(true);
    expect(registry.allows('STORESCP', AeOperation.Store)).toBe(false);
    expect(registry.allows('MODALITY', AeOperation.Store)).toBe(false);
  });

  it('reports a bad file with its lines (libs/config AeFileError)', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, '- aeTitle: X\n  host: h\n  port: 70000\n');
    await expect(loadFileAeRegistry(bad)).rejects.toThrow(AeFileError);
    await expect(loadFileAeRegistry(bad)).rejects.toThrow(/line 3: port/);
  });

  it('is opened from settings: a file, or none', async () => {
    const env = {
      namespace: undefined,
      kubeconfig: undefined,
      serviceHost: undefined,
      servicePort: undefined,
    };
    const fromFile = await openAeRegistry(aeRegistrySettings({ ...env, aeSource: 'file', aeFile: path }));
    expect(fromFile.lookup('PACS2')?.host).toBe('pacs2');
    const none = await openAeRegistry(aeRegistrySettings({ ...env, aeSource: 'file', aeFile: undefined }));
    expect(none.entries()).toEqual([]);
    expect(none.allows('ANY', AeOperation.Find)).toBe(true);
    expect(emptyAeRegistry({ unlisted: UnlistedAePolicy.Deny }).allows('ANY', AeOperation.Find)).toBe(false);
  });
});
