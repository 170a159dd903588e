#!/usr/bin/env node
// dicomesh: one binary for every service and the operators' SCU tools.
import { COMMANDS, usage } from './commands.js';
import { UsageError } from './scu/scu-args.js';

const [name, ...argv] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  process.stderr.write(usage());
  process.exit(name === undefined || name === '--help' ? 0 : 2);
}
try {
  const code = await command.run(argv);
  if (code !== undefined) process.exit(code);
} catch (error) {
  process.stderr.write(`dicomesh ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
