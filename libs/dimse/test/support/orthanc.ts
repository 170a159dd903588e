/** Test support: a throw-away Orthanc (its own JSON config, temp storage, free DICOM and HTTP ports). */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectScu, verificationContext } from '../../src/index.js';
import { freePort, type RunningTool } from './dcmtk.js';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';

export async function startOrthanc(
  dir: string,
  aeTitle: string,
  modalities: Record<string, [aeTitle: string, host: string, port: number]>,
): Promise<RunningTool> {
  const port = await freePort();
  const httpPort = await freePort();
  const config = {
    Name: 'dimse-interop',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    HttpPort: httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomAet: aeTitle,
    DicomPort: port,
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    DicomAlwaysAllowFind: true,
    DicomAlwaysAllowGet: true,
    DicomAlwaysAllowMove: true,
    DicomCheckModalityHost: false,
    DicomModalities: modalities,
    Plugins: [],
    StorageCompression: false,
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(ORTHANC_BINARY, [configPath], { env: { ...process.env, TCP_NODELAY: '1' } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  // Ready when it answers a C-ECHO (polled with a deadline).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited ${child.exitCode}: ${output}`);
    try {
      const client = await connectScu({
        host: '127.0.0.1',
        port,
        callingAeTitle: 'PROBE',
        calledAeTitle: aeTitle,
        contexts: [verificationContext()],
      });
      const status = await client.echo();
      await client.association.release();
      if (status === 0) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Orthanc did not answer C-ECHO: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
