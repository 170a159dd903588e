import { loadAeFile, type RemoteAe } from '@dicomesh/config';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { AeIndex, ChangeListeners } from './ae-index.js';
import { type AeOperation, type AePermissions, ALL_PERMISSIONS } from './ae-operation.js';
import {
  type AeChangeListener,
  type AeRegistry,
  type RegisteredAe,
  UnlistedAePolicy,
} from './ae-registry.js';

export interface FileAeRegistryOptions {
  /**
   * What every AE of the file may do (the file format has no permissions: `aeTitle`, `host`, `port`, `tls`).
   * Default: everything, as before the registry had permissions.
   */
  readonly permissions?: AePermissions;
  /** What unregistered calling AEs may do. Default: store, find, move and get (the file names destinations). */
  readonly unlisted?: UnlistedAePolicy;
  readonly logger?: Logger;
}

/**
 * A registry read once from a YAML file of `- aeTitle / host / port` items (libs/config `loadAeFile`, which
 * names every invalid line). It never changes, so its change listeners are never called.
 */
export class FileAeRegistry implements AeRegistry {
  private readonly index: AeIndex;
  private readonly listeners: ChangeListeners;

  constructor(entries: readonly RegisteredAe[], options: FileAeRegistryOptions = {}) {
    this.index = new AeIndex(entries, options.unlisted ?? UnlistedAePolicy.AllowCalling);
    this.listeners = new ChangeListeners(options.logger ?? createLogger('k8s-registry'));
  }

  lookup(aeTitle: string): RegisteredAe | undefined {
    return this.index.lookup(aeTitle);
  }

  allows(aeTitle: string, operation: AeOperation): boolean {
    return this.index.allows(aeTitle, operation);
  }

  entries(): readonly RegisteredAe[] {
    return this.index.entries();
  }

  onChange(listener: AeChangeListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {}
}

/** Reads an AE file (throws libs/config's AeFileError naming every bad line) into a registry. */
export async function loadFileAeRegistry(
  path: string,
  options: FileAeRegistryOptions = {},
): Promise<FileAeRegistry> {
  const file = await loadAeFile(path);
  return new FileAeRegistry(fromRemoteAes(file.list(), `file:${path}`, options.permissions), options);
}

/** A registry without entries (no AE file configured): only the unlisted policy answers. */
export function emptyAeRegistry(options: FileAeRegistryOptions = {}): FileAeRegistry {
  return new FileAeRegistry([], options);
}

function fromRemoteAes(
  entries: readonly RemoteAe[],
  origin: string,
  permissions: AePermissions = ALL_PERMISSIONS,
): RegisteredAe[] {
  return entries.map((entry) => Object.freeze({ ...entry, permissions, origin }));
}
