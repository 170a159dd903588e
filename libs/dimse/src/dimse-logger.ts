/**
 * Structured logging for the DIMSE layer: a message and named fields. `@dicomesh/telemetry`'s Logger
 * satisfies this interface; the default is silent unless DICOMESH_DEBUG lists `dimse` (or `*`).
 */
export type DimseLogFields = Readonly<Record<string, unknown>>;

export interface DimseLogger {
  debug(msg: string, fields?: DimseLogFields): void;
  info(msg: string, fields?: DimseLogFields): void;
  warn(msg: string, fields?: DimseLogFields): void;
  error(msg: string, fields?: DimseLogFields): void;
}

const noop = (): void => {};
export const silentDimseLogger: DimseLogger = { debug: noop, info: noop, warn: noop, error: noop };

function line(level: string): (msg: string, fields?: DimseLogFields) => void {
  return (msg, fields) =>
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), module: 'dimse', level, msg, ...fields })}\n`,
    );
}

export const stderrDimseLogger: DimseLogger = {
  debug: line('debug'),
  info: line('info'),
  warn: line('warn'),
  error: line('error'),
};

export function resolveDimseLogger(logger: DimseLogger | undefined): DimseLogger {
  if (logger) return logger;
  const debug = (process.env.DICOMESH_DEBUG ?? '').split(',').map((m) => m.trim());
  return debug.includes('dimse') || debug.includes('*') ? stderrDimseLogger : silentDimseLogger;
}
