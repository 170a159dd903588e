/**
 * Runs ../shared/acceptance/dimse-acceptance against the multi-process topology (real nats-server and
 * PostgreSQL, one process per service) started on free ports in a temp dir, then stops it.
 * ACCEPTANCE_ONLY selects the checks this stage of the platform answers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/free-port.ts';
import { startTopology } from '../support/topology.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const suite = process.env.DIMSE_ACCEPTANCE ?? join(ROOT, '../shared/acceptance/dimse-acceptance');
const only = process.env.ACCEPTANCE_ONLY ?? 'echo';

const work = mkdtempSync(join(tmpdir(), 'dicomesh-acceptance-services-'));
const destPort = await freePort();
const aeFile = join(work, 'ae.yaml');
writeFileSync(aeFile, `- aeTitle: ACCEPTDEST\n  host: 127.0.0.1\n  port: ${destPort}\n`);
const topology = await startTopology({ aeFile });
let status = 1;
try {
  process.stdout.write(
    `acceptance: dimse-acceptance --only '${only}' against the services topology on port ${topology.dicomPort}\n`,
  );
  const run = spawnSync(
    '/usr/bin/python3',
    [
      suite,
      '--port',
      String(topology.dicomPort),
      '--aet',
      'DICOMESH',
      '--dest-aet',
      'ACCEPTDEST',
      '--dest-port',
      String(destPort),
      '--only',
      only,
      '--workdir',
      join(work, 'suite'),
    ],
    { stdio: 'inherit' },
  );
  status = run.status ?? 1;
  if (status !== 0) {
    for (const s of Object.values(topology.services)) {
      process.stdout.write(`--- ${s.name} log tail\n`);
      spawnSync('tail', ['-n', '30', s.logFile], { stdio: 'inherit' });
    }
  }
} finally {
  await topology.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
