/**
 * The commands of the one `dicomesh` binary: services, all-in-one, and the operators' SCU tools.
 * Each command loads its modules only when it runs, so an SCU tool does not pay for gRPC and telemetry.
 */
import type { ScuArgs } from './scu/scu-args.js';
import { loadTools, type Tools } from './tools-module.js';

export interface Command {
  readonly summary: string;
  /** A tool's arguments, printed after a usage error. */
  readonly usage?: string;
  /** Services run until a signal stops them (resolve with no exit code); tools resolve with theirs. */
  run(argv: readonly string[]): Promise<number | undefined>;
}

const service = (summary: string, load: () => Promise<() => Promise<void>>): Command => ({
  summary,
  run: async () => {
    // The data dictionary (dcmjs) loads before the service listens, not on its first request.
    (await import('@dicomesh/dicom')).loadDictionary();
    await (await load())();
    return undefined;
  },
});

/**
 * An SCU tool: its arguments parsed, and its JSON lines flushed, by the module it runs from (the bundle, see
 * tools-module.ts), so the launcher itself loads none of the DICOM libraries.
 */
const tool = (summary: string, pick: (tools: Tools) => (args: ScuArgs) => Promise<number>): Command => ({
  summary,
  usage: summary.slice(summary.indexOf(': ') + 2),
  run: async (argv) => {
    const tools = await loadTools();
    try {
      return await pick(tools)(tools.parseScuArgs(argv));
    } finally {
      tools.flushOutput();
    }
  },
});

/** DICOM TLS, as DCMTK spells it (every tool takes it). */
const TLS_USAGE = '[+tls KEY CERT | +tla] [+cf CA]...';

export const COMMANDS: Readonly<Record<string, Command>> = {
  'all-in-one': service(
    'every service in one process (what `make run` starts)',
    async () => (await import('./all-in-one.js')).runAllInOne,
  ),
  gateway: service('the DICOM gateway', async () => (await import('@dicomesh/gateway')).runGateway),
  verification: service(
    'the verification (C-ECHO) service',
    async () => (await import('@dicomesh/verification')).runVerification,
  ),
  storage: service(
    'the storage (C-STORE) service',
    async () => (await import('@dicomesh/storage')).runStorage,
  ),
  query: service('the query (C-FIND) service', async () => (await import('@dicomesh/query')).runQuery),
  retrieve: service(
    'the retrieve (C-MOVE, C-GET) service',
    async () => (await import('@dicomesh/retrieve')).runRetrieve,
  ),
  echo: tool(`C-ECHO: [-aet AE] [-aec AE] ${TLS_USAGE} HOST PORT`, (tools) => tools.echoTool),
  store: tool(
    `C-STORE: [-aet AE] [-aec AE] [--async N] ${TLS_USAGE} HOST PORT FILE...`,
    (tools) => tools.storeTool,
  ),
  find: tool('C-FIND: [-P|-S] -k KEY=VALUE... [--cancel-after N] HOST PORT', (tools) => tools.findTool),
  move: tool(
    'C-MOVE: [-P|-S] -aem DEST -k KEY=VALUE... [--cancel-after N] HOST PORT',
    (tools) => tools.moveTool,
  ),
  get: tool(
    'C-GET: [-P|-S] [-od DIR] [-cls SOPCLASS]... [-x TS]... -k KEY=VALUE... [--cancel-after N] HOST PORT',
    (tools) => tools.getTool,
  ),
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: dicomesh <command> [arguments]\n\ncommands:\n${lines.join('\n')}\n`;
}
