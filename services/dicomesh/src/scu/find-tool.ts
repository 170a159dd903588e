/** `dicomesh find`: C-FIND with `-k` keys; each match printed as a JSON line; `--cancel-after N`. */
import { decodeIdentifier, encodeIdentifier } from '@dicomesh/dicom';
import { connectScu, queryRetrieveContexts, ServiceClass } from '@dicomesh/dimse';
import { identifierFromKeys } from './identifier-keys.js';
import type { ScuArgs } from './scu-args.js';
import { statusText, succeeded } from './status-text.js';
import { emit } from './tool-output.js';

export async function findTool(args: ScuArgs): Promise<number> {
  const identifier = identifierFromKeys(args.keys);
  const client = await connectScu({ ...args, contexts: queryRetrieveContexts() });
  try {
    const op = await client.find(args.model, (ts) => Buffer.from(encodeIdentifier(identifier, ts)));
    let matches = 0;
    for await (const response of op) {
      matches++;
      emit('match', {
        status: response.status,
        identifier: response.identifier ? decodeIdentifier(response.identifier, op.transferSyntaxUid) : {},
      });
      if (args.cancelAfter !== undefined && matches === args.cancelAfter) await op.cancel();
    }
    const result = await op.result;
    emit('find', {
      matches,
      status: result.status,
      text: statusText(result.status, ServiceClass.QueryRetrieveFind),
    });
    return succeeded(result.status, ServiceClass.QueryRetrieveFind) || result.status === 0xfe00 ? 0 : 1;
  } finally {
    await client.association.release();
  }
}
