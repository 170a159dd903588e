#!/usr/bin/env node
// dicomesh: one binary for every service and the operators' SCU tools.
import * as nodeModule from 'node:module';
import { COMMANDS, usage } from './commands.js';

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
  if (code !== undefined) process.exit(code);
} catch (error) {
  // By name: a tool's UsageError comes from the tools bundle, its own copy of the class.
  const usageError = error instanceof Error && error.name === 'UsageError';
  process.stderr.write(`dicomesh ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usageError) process.stderr.write(`usage: dicomesh ${name} ${command.usage ?? ''}\n`);
  process.exit(usageError ? 2 : 1);
}
