import { trace } from '@opentelemetry/api';

/** Log levels, lowest first. */
export const LogLevel = { Debug: 'debug', Info: 'info', Warn: 'warn', Error: 'error' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

const severity: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  readonly module: string;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger of the same module whose lines carry these fields too (e.g. the association id). */
  child(fields: LogFields): Logger;
  /** True when this module's debug lines are written (to skip building costly fields). */
  isDebugEnabled(): boolean;
}

export interface LoggingOptions {
  /** Minimum level for every module (default `info`). */
  readonly level?: LogLevel;
  /** Modules whose debug lines are written whatever the level (`DICOMESH_DEBUG=dicom-ul,dimse`); `*` for all. */
  readonly debugModules?: readonly string[];
  /** Where a JSON line goes (default: stderr). Tests capture lines here. */
  readonly write?: (line: string) => void;
}

const defaultWrite = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

let settings: Required<LoggingOptions> = { level: LogLevel.Info, debugModules: [], write: defaultWrite };

/**
 * Sets the process-wide logging options (main.ts passes what libs/config read from DICOMESH_LOG_LEVEL and
 * DICOMESH_DEBUG). Applies to loggers already created. Returns the previous options so tests can restore them.
 */
export function configureLogging(options: LoggingOptions): Required<LoggingOptions> {
  const previous = settings;
  settings = {
    level: options.level ?? previous.level,
    debugModules: options.debugModules ?? previous.debugModules,
    write: options.write ?? previous.write,
  };
  return previous;
}

function enabled(module: string, level: LogLevel): boolean {
  if (severity[level] >= severity[settings.level]) return true;
  return (
    level === LogLevel.Debug &&
    (settings.debugModules.includes(module) || settings.debugModules.includes('*'))
  );
}

/** JSON-safe form of a field value: errors with their cause chain, bigints as strings, buffers by length. */
function serialize(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    for (const [key, v] of Object.entries(value)) out[key] = serialize(v, depth + 1);
    if (value.stack !== undefined) out.stack = value.stack;
    if (value.cause !== undefined && depth < 5) out.cause = serialize(value.cause, depth + 1);
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return { bytes: value.byteLength };
  return value;
}

class JsonLogger implements Logger {
  constructor(
    readonly module: string,
    private readonly fields: LogFields,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.log(LogLevel.Debug, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log(LogLevel.Info, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log(LogLevel.Warn, msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log(LogLevel.Error, msg, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.module, { ...this.fields, ...fields });
  }
  isDebugEnabled(): boolean {
    return enabled(this.module, LogLevel.Debug);
  }

  private log(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!enabled(this.module, level)) return;
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      module: this.module,
      msg,
    };
    const spanContext = trace.getActiveSpan()?.spanContext();
    if (spanContext !== undefined) {
      record.trace_id = spanContext.traceId;
      record.span_id = spanContext.spanId;
    }
    for (const [key, value] of Object.entries({ ...this.fields, ...fields })) {
      // The envelope keys win: a field cannot forge the level or the message.
      if (!(key in record)) record[key] = serialize(value);
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      // A cyclic field: keep the envelope, name the problem, never throw from a log call.
      const { time, module, msg: message } = record;
      line = JSON.stringify({ time, level, module, msg: message, log_error: String(error) });
    }
    settings.write(line);
  }
}

/** A structured logger writing one JSON object per line: `{time, level, module, msg, trace_id?, span_id?, ...fields}`. */
export function createLogger(module: string, fields: LogFields = {}): Logger {
  return new JsonLogger(module, fields);
}
