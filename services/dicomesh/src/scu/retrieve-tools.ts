/** `dicomesh move` and `dicomesh get`: C-MOVE to `-aem`, C-GET into `-od`; progress as JSON lines. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeIdentifier, isValidUid } from '@dicomesh/dicom';
import {
  type CStoreHandler,
  connectScu,
  queryRetrieveContexts,
  type RetrieveOperation,
  ServiceClass,
  storageScpRoles,
} from '@dicomesh/dimse';
import { getStorageContexts } from './get-contexts.js';
import { identifierFromKeys } from './identifier-keys.js';
import { writePart10 } from './part10-file.js';
import { type ScuArgs, UsageError } from './scu-args.js';
import { statusText, succeeded } from './status-text.js';
import { emit } from './tool-output.js';

async function follow(op: RetrieveOperation, args: ScuArgs, command: 'move' | 'get'): Promise<number> {
  const serviceClass = command === 'move' ? ServiceClass.QueryRetrieveMove : ServiceClass.QueryRetrieveGet;
  let pending = 0;
  for await (const counts of op) {
    pending++;
    emit('progress', { ...counts });
    if (args.cancelAfter !== undefined && pending === args.cancelAfter) await op.cancel();
  }
  const result = await op.result;
  emit(command, {
    status: result.status,
    text: statusText(result.status, serviceClass),
    ...result.counts,
    failedSopInstanceUids: result.failedSopInstanceUids,
  });
  return succeeded(result.status, serviceClass) || result.status === 0xfe00 ? 0 : 1;
}

export async function moveTool(args: ScuArgs): Promise<number> {
  if (!args.moveDestination) throw new UsageError('move needs -aem DESTINATION');
  const identifier = identifierFromKeys(args.keys);
  const client = await connectScu({ ...args, contexts: queryRetrieveContexts() });
  try {
    const op = await client.move(args.model, args.moveDestination, (ts) =>
      Buffer.from(encodeIdentifier(identifier, ts)),
    );
    return await follow(op, args, 'move');
  } finally {
    await client.association.release();
  }
}

export async function getTool(args: ScuArgs): Promise<number> {
  const identifier = identifierFromKeys(args.keys);
  await mkdir(args.outputDirectory, { recursive: true });
  const storage = getStorageContexts(args.sopClasses, args.transferSyntaxes);
  const client = await connectScu({
    ...args,
    contexts: [...queryRetrieveContexts(), ...storage.contexts],
    roles: storageScpRoles(storage.sopClasses),
  });
  const onStore: CStoreHandler = async (rq) => {
    if (!isValidUid(rq.affectedSopInstanceUid)) {
      rq.dataset.resume();
      return { status: 0xa900, errorComment: 'invalid SOP Instance UID' };
    }
    await writePart10(join(args.outputDirectory, `${rq.affectedSopInstanceUid}.dcm`), {
      sopClassUid: rq.affectedSopClassUid,
      sopInstanceUid: rq.affectedSopInstanceUid,
      transferSyntaxUid: rq.transferSyntaxUid,
      sourceAeTitle: client.association.negotiated.calledAeTitle,
      dataSet: rq.dataset,
    });
    emit('received', { sopInstanceUid: rq.affectedSopInstanceUid, transferSyntaxUid: rq.transferSyntaxUid });
    return { status: 0 };
  };
  try {
    const op = await client.get(args.model, (ts) => Buffer.from(encodeIdentifier(identifier, ts)), onStore);
    return await follow(op, args, 'get');
  } finally {
    await client.association.release();
  }
}
