import { readStorageConfig, type StorageConfig } from '@dicomesh/config';

/** The storage service's configuration, from the environment (fails naming every bad variable). */
export function loadConfig(): StorageConfig {
  return readStorageConfig();
}
