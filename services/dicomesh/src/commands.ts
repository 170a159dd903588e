/** The commands of the one `dicomesh` binary: services, all-in-one, and the operators' SCU tools. */
import { runGateway } from '@dicomesh/gateway';
import { runVerification } from '@dicomesh/verification';
import { runAllInOne } from './all-in-one.js';
import { echoTool } from './scu/echo-tool.js';
import { findTool } from './scu/find-tool.js';
import { getTool, moveTool } from './scu/retrieve-tools.js';
import { parseScuArgs, type ScuArgs } from './scu/scu-args.js';
import { storeTool } from './scu/store-tool.js';

export interface Command {
  readonly summary: string;
  /** Services run until a signal stops them (resolve with no exit code); tools resolve with theirs. */
  run(argv: readonly string[]): Promise<number | undefined>;
}

const service = (summary: string, start: () => Promise<void>): Command => ({
  summary,
  run: async () => {
    await start();
    return undefined;
  },
});

const tool = (summary: string, run: (args: ScuArgs) => Promise<number>): Command => ({
  summary,
  run: (argv) => run(parseScuArgs(argv)),
});

export const COMMANDS: Readonly<Record<string, Command>> = {
  'all-in-one': service('every service in one process (what `make run` starts)', runAllInOne),
  gateway: service('the DICOM gateway', runGateway),
  verification: service('the verification (C-ECHO) service', runVerification),
  echo: tool('C-ECHO: [-aet AE] [-aec AE] HOST PORT', echoTool),
  store: tool('C-STORE: [-aet AE] [-aec AE] HOST PORT FILE...', storeTool),
  find: tool('C-FIND: [-P|-S] -k KEY=VALUE... [--cancel-after N] HOST PORT', findTool),
  move: tool('C-MOVE: [-P|-S] -aem DEST -k KEY=VALUE... [--cancel-after N] HOST PORT', moveTool),
  get: tool('C-GET: [-P|-S] [-od DIR] -k KEY=VALUE... [--cancel-after N] HOST PORT', getTool),
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: dicomesh <command> [arguments]\n\ncommands:\n${lines.join('\n')}\n`;
}
