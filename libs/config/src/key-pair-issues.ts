/** A client certificate and its private key are set together or not at all. */
import type { ConfigIssue } from './config-error.js';

/** The variables of one certificate and its key, and their values. */
export interface KeyPairSetting {
  readonly certEnv: string;
  readonly keyEnv: string;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

/** A certificate without its key, or a key without its certificate. */
export function keyPairIssues(pair: KeyPairSetting): ConfigIssue[] {
  if (pair.certFile !== undefined && pair.keyFile === undefined)
    return [{ env: pair.keyEnv, problem: `is required with ${pair.certEnv}` }];
  if (pair.keyFile !== undefined && pair.certFile === undefined)
    return [{ env: pair.certEnv, problem: `is required with ${pair.keyEnv}` }];
  return [];
}
