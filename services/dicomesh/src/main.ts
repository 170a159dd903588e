#!/usr/bin/env node
// dicomesh: one binary for every service and the operators' SCU tools.
import * as nodeModule from 'node:module';
import { COMMANDS, usage } from './commands.js';
import { UsageError } from './scu/scu-args.js';
import { flushOutput } from './scu/tool-output.js';

// Compiled code is cached on disk (the OS temp dir; NODE_COMPILE_CACHE chooses another, and an unwritable
// one only turns the cache off): a tool run many times in a row starts in half the time. (Node 22.1+; the
// project runs on Node 24, but an older node on PATH should still start the tool, only slower.)
nodeModule.enableCompileCache?.();

const [name, ...argv] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  process.stderr.write(usage());
  process.exit(name === undefined || name === '--help' ? 0 : 2);
}
try {
  const code = await command.run(argv);
  flushOutput();
  if (code !== undefined) process.exit(code);
} catch (error) {
  flushOutput();
  process.stderr.write(`dicomesh ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof UsageError) process.stderr.write(`usage: dicomesh ${name} ${command.usage ?? ''}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
