import { readVerificationConfig, type VerificationConfig } from '@dicomesh/config';

/** The verification service's configuration, from the environment (fails naming every bad variable). */
export function loadConfig(): VerificationConfig {
  return readVerificationConfig();
}
