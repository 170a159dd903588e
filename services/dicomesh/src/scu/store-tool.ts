/** `dicomesh store`: C-STORE of Part 10 files, each in its own transfer syntax, on one association. */
import { MAX_PRESENTATION_CONTEXTS } from '@dicomesh/dicom-ul';
import { connectScu, type ScuContext, ServiceClass } from '@dicomesh/dimse';
import { openPart10, type Part10File } from './part10-file.js';
import type { ScuArgs } from './scu-args.js';
import { UsageError } from './scu-args.js';
import { statusText, succeeded } from './status-text.js';
import { emit } from './tool-output.js';

function contextsFor(files: readonly Part10File[]): ScuContext[] {
  const pairs = new Map<string, ScuContext>();
  for (const f of files) {
    pairs.set(`${f.sopClassUid} ${f.transferSyntaxUid}`, {
      abstractSyntax: f.sopClassUid,
      transferSyntaxes: [f.transferSyntaxUid],
    });
  }
  if (pairs.size > MAX_PRESENTATION_CONTEXTS)
    throw new UsageError(
      `the files need ${pairs.size} presentation contexts (max ${MAX_PRESENTATION_CONTEXTS})`,
    );
  return [...pairs.values()];
}

export async function storeTool(args: ScuArgs): Promise<number> {
  if (args.files.length === 0) throw new UsageError('store needs at least one FILE');
  const files = args.files.map(openPart10);
  const client = await connectScu({ ...args, contexts: contextsFor(files) });
  let failures = 0;
  try {
    for (const file of files) {
      const response = await client.store(
        file.sopClassUid,
        file.sopInstanceUid,
        file.transferSyntaxUid,
        file.dataSet(),
      );
      if (!succeeded(response.status, ServiceClass.Storage)) failures++;
      emit('store', {
        file: file.path,
        sopInstanceUid: file.sopInstanceUid,
        status: response.status,
        text: statusText(response.status, ServiceClass.Storage),
        ...(response.errorComment ? { errorComment: response.errorComment } : {}),
      });
    }
  } finally {
    await client.association.release();
  }
  return failures === 0 ? 0 : 1;
}
