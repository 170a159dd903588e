/**
 * The library's SCP for the benchmark: accepts CT/MR/SC storage and verification, and writes each
 * received object as a Part 10 file in DIR (meta header + the data set as received), as DCMTK storescp
 * does (no fsync: this measures the network core; the storage service's benchmark adds fsync and index). Prints `listening PORT` when ready. Run with Node 24 (type stripping) after `make build`.
 *
 * usage: node bench-scp.ts DIR [PORT] [--discard]   (--discard: read every data set, write nothing)
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildFileMetaHeader, STORAGE_SOP_CLASS_UIDS, UNCOMPRESSED_TRANSFER_SYNTAXES } from '@dicomesh/dicom';
import { createAcceptor, DICOMESH_IMPLEMENTATION_CLASS_UID } from '@dicomesh/dicom-ul';
import { createDimseScp, VerificationSopClass } from '@dicomesh/dimse';

const dir = process.argv[2];
if (!dir) throw new Error('usage: bench-scp.ts DIR [PORT]');
const port = Number.parseInt(process.argv[3] ?? '0', 10);
const discard = process.argv.includes('--discard');
const storage = new Set<string>(STORAGE_SOP_CLASS_UIDS);
const MAX_PDU_LENGTH = 262_144;
/**
 * C-STOREs a requestor may have outstanding at once, when it proposes an asynchronous operations window
 * (`dicomesh store --async`): the next object arrives while the last one is written.
 */
const MAX_OPERATIONS_PERFORMED = 16;
/** Data set bytes received between two scavenges (one stream: the services' SCAVENGE_FLOOR_BYTES). */
const SCAVENGE_EVERY_BYTES = 16 * 1024 * 1024;

// The data sets' Buffers (one per socket read) are freed young, with a scavenge every 16 MiB received, as the
// services do (noteStreamedBytes in @dicomesh/rpc, not imported here so this SCP loads only dicom, dicom-ul
// and dimse): left to V8, they pile up to its 64 MiB external-memory trigger and cost full mark-compacts.
setFlagsFromString('--expose-gc');
const scavenge = runInNewContext('gc') as (options: { type: 'minor' }) => void;
let sinceScavenge = 0;
let scavengeScheduled = false;
function noteReceived(bytes: number): void {
  sinceScavenge += bytes;
  if (scavengeScheduled || sinceScavenge < SCAVENGE_EVERY_BYTES) return;
  scavengeScheduled = true;
  setImmediate(() => {
    scavengeScheduled = false;
    sinceScavenge = 0;
    scavenge({ type: 'minor' });
  });
}

const acceptor = createAcceptor({
  aeTitle: 'BENCHSCP',
  maxPduLength: MAX_PDU_LENGTH,
  maxOperationsPerformed: MAX_OPERATIONS_PERFORMED,
  transferSyntaxesFor: (abstractSyntax) =>
    abstractSyntax === VerificationSopClass || storage.has(abstractSyntax)
      ? UNCOMPRESSED_TRANSFER_SYNTAXES
      : undefined,
  onAssociation: (association) =>
    createDimseScp(association, {
      handlers: {
        cEcho: () => ({ status: 0 }),
        cStore: async (rq) => {
          if (discard) {
            rq.dataset.on('data', (chunk: Buffer) => noteReceived(chunk.length));
            await finished(rq.dataset);
            return { status: 0 };
          }
          // Synchronous writes chunk by chunk as the chunks arrive ('data' events: no promise per chunk), as
          // storescp does: no thread-pool round trips per object.
          const fd = openSync(join(dir, `${rq.affectedSopInstanceUid}.dcm`), 'w');
          try {
            writeSync(
              fd,
              buildFileMetaHeader({
                sopClassUid: rq.affectedSopClassUid,
                sopInstanceUid: rq.affectedSopInstanceUid,
                transferSyntaxUid: rq.transferSyntaxUid,
                implementationClassUid: DICOMESH_IMPLEMENTATION_CLASS_UID,
              }),
            );
            rq.dataset.on('data', (chunk: Buffer) => {
              try {
                writeSync(fd, chunk);
                noteReceived(chunk.length);
              } catch (error) {
                rq.dataset.destroy(error as Error);
              }
            });
            await finished(rq.dataset);
          } finally {
            closeSync(fd);
          }
          return { status: 0 };
        },
      },
    }),
});
const address = await acceptor.listen(port, '127.0.0.1');
process.stdout.write(`listening ${address.port}\n`);
process.on('SIGTERM', () => {
  acceptor.close().then(() => process.exit(0));
});
