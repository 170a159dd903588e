// The SCU tools bundled into one file after `tsc -b` (`make build`, `npm run build`, the Dockerfile): the
// tool's compiled modules and the workspace libraries they import, with every other package and Node's
// own modules left as imports. A tool run loads one file instead of ~70 modules, which took 30-40 ms of
// every `dicomesh store`; commands.ts falls back to the modules when the bundle is older than they are.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export default {
  input: join(here, 'dist/scu/tools.js'),
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('@dicomesh/'),
  output: { file: join(here, 'dist/scu-tools.bundle.js'), format: 'esm' },
};
