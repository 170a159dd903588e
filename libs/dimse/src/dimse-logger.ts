/**
 * Structured logging for the DIMSE layer: a message and named fields. `@dicomesh/telemetry`'s Logger
 * satisfies this interface; the default is silent (services pass theirs, whose debug lines their config switches on with DICOMESH_DEBUG).
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
  return logger ?? silentDimseLogger;
}
