import { ConfigError } from './config-error.js';

/** Exit status of a process whose configuration is invalid. */
export const CONFIG_EXIT_CODE = 2;

/**
 * A service's configuration for its `main`: read it, or report every invalid variable at once and exit
 * with status 2. Errors that are not configuration errors propagate.
 */
export function readConfigOrExit<T>(read: () => T, report: (error: ConfigError) => void): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(error);
    process.exit(CONFIG_EXIT_CODE);
  }
}
