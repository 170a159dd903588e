/**
 * `make run-services`: the multi-process topology on this machine (nats-server with JetStream,
 * PostgreSQL, and gateway, verification and storage as their own processes), until Ctrl-C.
 * DICOMESH_DICOM_PORT (default 11112) and DICOMESH_AE_FILE are honoured; data go to a temp dir.
 */
import { startTopology } from '../support/topology.ts';

const topology = await startTopology({
  dicomPort: Number(process.env.DICOMESH_DICOM_PORT ?? 11112),
  ...(process.env.DICOMESH_AE_FILE ? { aeFile: process.env.DICOMESH_AE_FILE } : {}),
});
const lines = [
  `dicomesh services: AE DICOMESH on port ${topology.dicomPort}`,
  `  nats       ${topology.nats.url}`,
  `  postgres   ${topology.postgres.url}`,
  ...Object.values(topology.services).map(
    (s) => `  ${s.name.padEnd(10)} pid ${s.pid()} port ${s.port} log ${s.logFile}`,
  ),
  'Ctrl-C stops everything.',
];
process.stdout.write(`${lines.join('\n')}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    topology.stop().then(() => process.exit(0));
  });
}
