import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type AeRegistry, type RemoteAe, StaticAeRegistry } from './ae-registry.js';
import { ConfigValueError } from './config-error.js';
import { parseAeTitle, parsePort } from './env-readers.js';

/** One problem in an AE file, with its line (1-based). */
export interface AeFileIssue {
  readonly line: number;
  readonly problem: string;
}

/** Every problem of an AE file, named with file and line, at once. */
export class AeFileError extends Error {
  override readonly name = 'AeFileError';
  constructor(
    readonly source: string,
    readonly issues: readonly AeFileIssue[],
    options?: ErrorOptions,
  ) {
    super(`${source}: ${issues.map((issue) => `line ${issue.line}: ${issue.problem}`).join('; ')}`, options);
  }
}

const allowedKeys = ['aeTitle', 'host', 'port', 'tls'] as const;
/** Keys an item may leave out. */
const optionalKeys: readonly AeKey[] = ['tls'];
type AeKey = (typeof allowedKeys)[number];

const hostPattern =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[?[0-9a-fA-F:.]+\]?)$/;

/**
 * Parses the YAML list of remote AEs:
 *
 * ```yaml
 * - aeTitle: STORESCP
 *   host: 10.0.0.5
 *   port: 104
 * - aeTitle: PACS
 *   host: pacs.example.org
 *   port: 2762
 *   tls: true        # DICOM TLS only (optional, default false)
 * ```
 *
 * Unknown keys, missing keys, invalid values and duplicate AE titles are all reported with their lines.
 */
export function parseAeFile(text: string, source = 'AE file'): RemoteAe[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined, fallback = 1): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  const issues: AeFileIssue[] = [];
  for (const error of document.errors) {
    issues.push({ line: error.linePos?.[0]?.line ?? 1, problem: error.message.split('\n')[0]! });
  }
  if (issues.length > 0) throw new AeFileError(source, issues);

  const root = document.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isSeq(root)) throw new AeFileError(source, [{ line: lineOf(root), problem: 'must be a list of AEs' }]);

  const entries: RemoteAe[] = [];
  const firstLine = new Map<string, number>();
  root.items.forEach((item, index) => {
    const itemLine = lineOf(item as Node);
    if (!isMap(item)) {
      issues.push({
        line: itemLine,
        problem: `item ${index + 1} must be a mapping of aeTitle, host, port (and tls)`,
      });
      return;
    }
    const values: Partial<Record<AeKey, { value: unknown; line: number }>> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const line = lineOf(pair.key as Node, itemLine);
      if (!(allowedKeys as readonly string[]).includes(key)) {
        issues.push({
          line,
          problem: `unknown key ${JSON.stringify(key)} (allowed: ${allowedKeys.join(', ')})`,
        });
        continue;
      }
      const value = isScalar(pair.value) ? pair.value.value : pair.value;
      values[key as AeKey] = { value, line: lineOf(pair.value as Node, line) };
    }
    let ok = true;
    const field = <T>(key: AeKey, parse: (value: unknown) => T): T | undefined => {
      const entry = values[key];
      if (entry === undefined) {
        if (optionalKeys.includes(key)) return undefined;
        issues.push({ line: itemLine, problem: `missing ${key}` });
        ok = false;
        return undefined;
      }
      try {
        return parse(entry.value);
      } catch (error) {
        if (!(error instanceof ConfigValueError)) throw error;
        issues.push({ line: entry.line, problem: `${key}: ${error.message}` });
        ok = false;
        return undefined;
      }
    };
    const title = field('aeTitle', (value) => parseAeTitle(asString(value)));
    const host = field('host', (value) => {
      const text = asString(value).trim();
      if (!hostPattern.test(text))
        throw new ConfigValueError(`must be a host name or IP address, got ${JSON.stringify(text)}`);
      return text;
    });
    const portNumber = field('port', (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new ConfigValueError(`must be an integer between 1 and 65535, got ${JSON.stringify(value)}`);
      }
      return parsePort(String(value));
    });
    const tls = field('tls', (value) => {
      if (typeof value !== 'boolean')
        throw new ConfigValueError(`must be true or false, got ${JSON.stringify(value)}`);
      return value;
    });
    if (title !== undefined) {
      const previous = firstLine.get(title);
      if (previous !== undefined) {
        issues.push({
          line: values.aeTitle!.line,
          problem: `duplicate AE title ${JSON.stringify(title)} (first on line ${previous})`,
        });
        ok = false;
      } else {
        firstLine.set(title, values.aeTitle!.line);
      }
    }
    if (ok && title !== undefined && host !== undefined && portNumber !== undefined) {
      entries.push({ aeTitle: title, host, port: portNumber, ...(tls ? { tls } : {}) });
    }
  });
  if (issues.length > 0) throw new AeFileError(source, issues);
  return entries;
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ConfigValueError(`must be a string, got ${JSON.stringify(value)}`);
}

/** Reads and validates an AE file; the registry it returns serves lookups from it. */
export async function loadAeFile(path: string): Promise<AeRegistry> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AeFileError(path, [{ line: 0, problem: `cannot read: ${(error as Error).message}` }], {
      cause: error,
    });
  }
  return new StaticAeRegistry(parseAeFile(text, path));
}
