/** SIGTERM/SIGINT: run the shutdown steps once, then exit (1 if they failed). */
import type { Logger } from './logger.js';

export function onShutdownSignal(logger: Logger, shutdown: () => Promise<void>): void {
  let started = false;
  const handle = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.info('shutting down', { signal });
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
