/**
 * The operators' SCU tools as one module: the entry of the tools bundle (rolldown.config.mjs), which
 * `commands.ts` loads instead of the ~70 modules behind it when it is as fresh as they are.
 */
export { echoTool } from './echo-tool.js';
export { findTool } from './find-tool.js';
export { getTool, moveTool } from './retrieve-tools.js';
export { parseScuArgs, UsageError } from './scu-args.js';
export { storeTool } from './store-tool.js';
export { flushOutput } from './tool-output.js';
