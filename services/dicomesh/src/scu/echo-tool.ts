/** `dicomesh echo`: C-ECHO, like DCMTK's echoscu. */
import { connectScu, ServiceClass, verificationContext } from '@dicomesh/dimse';
import type { ScuArgs } from './scu-args.js';
import { statusText, succeeded } from './status-text.js';
import { emit } from './tool-output.js';

export async function echoTool(args: ScuArgs): Promise<number> {
  const client = await connectScu({ ...args, contexts: [verificationContext()] });
  try {
    const status = await client.echo();
    emit('echo', { status, text: statusText(status, ServiceClass.Verification) });
    return succeeded(status, ServiceClass.Verification) ? 0 : 1;
  } finally {
    await client.association.release();
  }
}
