/**
 * One writer queue per association: a DIMSE message is sent whole (all its P-DATA-TF PDUs) before the
 * next message starts, whoever sends it (requests, responses, C-CANCEL), so messages never interleave.
 */
import type { Association, PresentationDataValue } from '@dicomesh/dicom-ul';

export class AssociationWriter {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly association: Association) {}

  /**
   * Queue one message's PDVs (one PDU each), given in batches: each batch goes to the transport in one
   * write. Resolves when every PDU was handed to the socket; rejects with the first send error (the queue
   * then moves on to the next message).
   */
  send(
    batches: Iterable<readonly PresentationDataValue[]> | AsyncIterable<readonly PresentationDataValue[]>,
  ): Promise<void> {
    const run = this.tail.then(async () => {
      if (Symbol.iterator in batches) {
        for (const batch of batches) await this.association.sendPDataEach(batch);
      } else {
        for await (const batch of batches) await this.association.sendPDataEach(batch);
      }
    });
    this.tail = run.catch(() => {});
    return run;
  }
}

const writers = new WeakMap<Association, AssociationWriter>();

/** The association's writer queue (one per association, shared by everything that sends on it). */
export function writerFor(association: Association): AssociationWriter {
  let writer = writers.get(association);
  if (!writer) {
    writer = new AssociationWriter(association);
    writers.set(association, writer);
  }
  return writer;
}
