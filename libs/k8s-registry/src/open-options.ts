import type { Logger } from '@dicomesh/telemetry';
import type { BackoffOptions } from './restart-backoff.js';

/** How `openAeRegistry` opens a registry. */
export interface OpenAeRegistryOptions {
  readonly logger?: Logger;
  /** Delays between restarts of a failing list or watch (Kubernetes). */
  readonly backoff?: BackoffOptions;
  /**
   * How long to wait for the first list of a Kubernetes registry before returning it anyway (it keeps
   * retrying in the background). Default 10 s; 0: do not wait.
   */
  readonly syncTimeoutMs?: number;
}
