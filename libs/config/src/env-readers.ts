import { ConfigError, type ConfigIssue, ConfigValueError } from './config-error.js';

/** The kinds of value a variable can hold (for docs and the chart's mirror of the specs). */
export const FieldKind = {
  String: 'string',
  Integer: 'integer',
  Port: 'port',
  Boolean: 'boolean',
  List: 'list',
  AeTitle: 'ae-title',
  Duration: 'duration',
  Enum: 'enum',
  GrpcTarget: 'grpc-target',
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** One environment variable: its name, how to parse it, and its default. `T` includes `undefined` when optional. */
export interface Field<T> {
  readonly env: string;
  readonly kind: FieldKind;
  readonly description: string | undefined;
  /** The default as the variable would spell it (for docs), if any. */
  readonly defaultText: string | undefined;
  readonly required: boolean;
  /** Hide the value in error messages. */
  readonly secret: boolean;
  /** Parses a set, non-empty value (throws ConfigValueError). */
  parse(raw: string): T;
  /** The value when the variable is unset or empty. */
  fallback(): T;
}

export interface FieldOptions<T> {
  /** The environment variable, e.g. `DICOMESH_DICOM_PORT`. */
  readonly env: string;
  readonly default?: T;
  readonly description?: string;
  readonly secret?: boolean;
}

type Optional = { readonly optional: true };

function makeField<T>(
  kind: FieldKind,
  options: FieldOptions<T> & Partial<Optional>,
  parse: (raw: string) => T,
  show: (value: T) => string = String,
): Field<T> {
  const hasDefault = options.default !== undefined;
  const required = !hasDefault && options.optional !== true;
  return {
    env: options.env,
    kind,
    description: options.description,
    defaultText: hasDefault ? show(options.default as T) : undefined,
    required,
    secret: options.secret ?? false,
    parse,
    fallback: () => options.default as T,
  };
}

/** A factory of fields: required unless it has a default or is `optional` (then `undefined` when unset). */
export interface Reader<T, O = object> {
  (options: FieldOptions<T> & O & Optional): Field<T | undefined>;
  (options: FieldOptions<T> & O): Field<T>;
}

function reader<T, O = object>(
  kind: FieldKind,
  parser: (options: O) => (raw: string) => T,
  show?: (value: T) => string,
): Reader<T, O> {
  return ((options: FieldOptions<T> & O & Partial<Optional>) =>
    makeField(kind, options, parser(options), show)) as Reader<T, O>;
}

// ---- value parsers (exported for reuse: list items, the AE file) ----

export interface IntOptions {
  readonly min?: number;
  readonly max?: number;
}

export function parseInteger(raw: string, { min, max }: IntOptions = {}): number {
  const text = raw.trim();
  if (!/^[-+]?\d+$/.test(text)) throw new ConfigValueError(`must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new ConfigValueError(`integer out of range, got ${JSON.stringify(raw)}`);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    throw new ConfigValueError(
      `must be between ${min ?? Number.MIN_SAFE_INTEGER} and ${max ?? Number.MAX_SAFE_INTEGER}, got ${value}`,
    );
  }
  return value;
}

export function parsePort(raw: string, allowZero = false): number {
  return parseInteger(raw, { min: allowZero ? 0 : 1, max: 65535 });
}

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

export function parseBoolean(raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (truthy.has(text)) return true;
  if (falsy.has(text)) return false;
  throw new ConfigValueError(`must be true or false (or 1/0, yes/no, on/off), got ${JSON.stringify(raw)}`);
}

/**
 * An Application Entity title (PS3.5 6.2, VR AE): 1 to 16 characters of the default repertoire, without
 * backslash or control characters, not all spaces. Leading and trailing spaces are not significant and are removed.
 */
export function parseAeTitle(raw: string): string {
  for (const char of raw) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code > 0x7e) {
      throw new ConfigValueError(
        `AE title must not contain control or non-ASCII characters, got ${JSON.stringify(raw)}`,
      );
    }
    if (char === '\\')
      throw new ConfigValueError(`AE title must not contain a backslash, got ${JSON.stringify(raw)}`);
  }
  const title = raw.trim();
  if (title === '') throw new ConfigValueError('AE title must not be empty or all spaces');
  if (title.length > 16)
    throw new ConfigValueError(`AE title must be at most 16 characters, got ${JSON.stringify(raw)}`);
  return title;
}

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration such as `500ms`, `30s`, `5m`, `1h30m` or `1.5s` (or `0`), in milliseconds. */
export function parseDuration(raw: string): number {
  const text = raw.trim();
  if (text === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    total += Number(match[1]) * durationUnits[match[2]!]!;
    end = part.lastIndex;
  }
  if (end === 0 || end !== text.length) {
    throw new ConfigValueError(`must be a duration like 500ms, 30s, 5m or 1h30m, got ${JSON.stringify(raw)}`);
  }
  return Math.round(total);
}

/** A grpc-js target: `host:port`, `dns:///host:port`, `ipv4:a:p,b:p`, `ipv6:[..]:p` or `unix:/path`. */
export function parseGrpcTarget(raw: string): string {
  const text = raw.trim();
  if (/^unix:.+/.test(text) || /^(?:ipv4|ipv6):.+/.test(text)) return text;
  const hostPort = text.replace(/^dns:(?:\/\/[^/]*\/)?/, '');
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d+)$/.exec(hostPort);
  if (match === null) {
    throw new ConfigValueError(
      `must be a gRPC target like host:port or dns:///host:port, got ${JSON.stringify(raw)}`,
    );
  }
  parsePort(match[2]!);
  return text;
}

// ---- readers ----

export interface StrOptions {
  /** The whole value must match. */
  readonly pattern?: RegExp;
}

export const str: Reader<string, StrOptions> = reader(
  FieldKind.String,
  ({ pattern }: StrOptions) =>
    (raw) => {
      if (pattern !== undefined && !new RegExp(`^(?:${pattern.source})$`, pattern.flags).test(raw)) {
        throw new ConfigValueError(`must match ${pattern}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    },
);

export const int: Reader<number, IntOptions> = reader(
  FieldKind.Integer,
  (options: IntOptions) => (raw) => parseInteger(raw, options),
);

export interface PortOptions {
  /** Accept 0 (any free port, or "disabled" where documented). */
  readonly allowZero?: boolean;
}

export const port: Reader<number, PortOptions> = reader(
  FieldKind.Port,
  ({ allowZero }: PortOptions) =>
    (raw) =>
      parsePort(raw, allowZero),
);

export const bool: Reader<boolean> = reader(FieldKind.Boolean, () => parseBoolean);

export const aeTitle: Reader<string> = reader(FieldKind.AeTitle, () => parseAeTitle);

/** Milliseconds. */
export const duration: Reader<number> = reader(
  FieldKind.Duration,
  () => parseDuration,
  (ms) => `${ms}ms`,
);

export const grpcTarget: Reader<string> = reader(FieldKind.GrpcTarget, () => parseGrpcTarget);

export interface ListOptions<T> {
  /** Parses each item (default: the trimmed string). */
  readonly item?: (raw: string) => T;
}

/** A comma-separated list; items are trimmed and empty items dropped. */
export function list<T = string>(
  options: FieldOptions<T[]> & ListOptions<T> & Optional,
): Field<T[] | undefined>;
export function list<T = string>(options: FieldOptions<T[]> & ListOptions<T>): Field<T[]>;
export function list<T>(
  options: FieldOptions<T[]> & ListOptions<T> & Partial<Optional>,
): Field<T[] | undefined> {
  const item = options.item ?? ((raw: string) => raw as T);
  return makeField(
    FieldKind.List,
    options,
    (raw) => {
      const items = raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
      const problems: string[] = [];
      const values: T[] = [];
      items.forEach((part, index) => {
        try {
          values.push(item(part));
        } catch (error) {
          if (!(error instanceof ConfigValueError)) throw error;
          problems.push(`item ${index + 1}: ${error.message}`);
        }
      });
      if (problems.length > 0) throw new ConfigValueError(problems.join(', '));
      return values;
    },
    (value) => value.join(','),
  );
}

/** One of the given values (exact match). */
export function oneOf<const V extends string>(
  values: readonly V[],
  options: FieldOptions<V> & Optional,
): Field<V | undefined>;
export function oneOf<const V extends string>(values: readonly V[], options: FieldOptions<V>): Field<V>;
export function oneOf<const V extends string>(
  values: readonly V[],
  options: FieldOptions<V> & Partial<Optional>,
): Field<V | undefined> {
  return makeField(FieldKind.Enum, options, (raw) => {
    const text = raw.trim() as V;
    if (!values.includes(text)) {
      throw new ConfigValueError(`must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return text;
  });
}

// ---- reading a spec ----

/** Config property name -> field. */
export type ConfigSpec = Readonly<Record<string, Field<unknown>>>;

/** The typed configuration a spec describes. */
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never;
};

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads every field of `spec` from `env`. An unset or empty variable takes its default (or `undefined` when
 * optional). Throws one ConfigError naming every missing or invalid variable.
 */
export function readConfig<S extends ConfigSpec>(spec: S, env: Env = process.env): ConfigOf<S> {
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec)) {
    const raw = env[field.env];
    if (raw === undefined || raw === '') {
      if (field.required) issues.push({ env: field.env, problem: 'is required but not set' });
      else config[key] = field.fallback();
      continue;
    }
    try {
      config[key] = field.parse(raw);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      issues.push({ env: field.env, problem: field.secret ? 'is invalid (value hidden)' : error.message });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config as ConfigOf<S>;
}

/** One row per variable of a spec (for docs and for keeping the Helm chart's values in step). */
export interface FieldDescription {
  readonly key: string;
  readonly env: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly default: string | undefined;
  readonly description: string | undefined;
}

export function describeSpec(spec: ConfigSpec): FieldDescription[] {
  return Object.entries(spec).map(([key, field]) => ({
    key,
    env: field.env,
    kind: field.kind,
    required: field.required,
    default: field.defaultText,
    description: field.description,
  }));
}
