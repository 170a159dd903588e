/**
 * The association retrieve opens to a C-MOVE destination, and the C-STORE sub-operations on it: each
 * stored syntax proposed in its own context, objects streamed from the blob store, each sub-operation
 * bounded by a watchdog (refreshed by every chunk sent) that aborts a destination that stops answering.
 */
import type { ConnectionOptions } from 'node:tls';
import type { BlobStore } from '@dicomesh/archive';
import { connectScu, type DimseClient } from '@dicomesh/dimse';
import { dataSetSource, watched } from './data-set-source.js';
import { SubOperationError } from './errors.js';
import { type OpenedSource, openSource } from './opened-source.js';
import { ReadAhead, type UpcomingObject } from './read-ahead.js';
import type { RetrievableInstance } from './resolve-instances.js';
import type { SyncReadGate } from './sync-read-gate.js';
import { type AcceptedSyntax, chooseSyntax, proposedContexts } from './syntax-choice.js';

export interface RemoteDestination {
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  /** It accepts DICOM TLS only. */
  readonly tls?: boolean;
}

export interface DestinationOptions {
  readonly destination: RemoteDestination;
  readonly callingAeTitle: string;
  readonly instances: readonly RetrievableInstance[];
  readonly blobStore: BlobStore;
  /** Longest wait without progress in one sub-operation (a chunk sent, or the response). */
  readonly timeoutMs: number;
  /** The association goes over TLS with these options (the destination is registered with `tls`). */
  readonly tls?: ConnectionOptions | undefined;
  /** Objects are read ahead on the event loop while this gate is open; unset: through the thread pool. */
  readonly syncReads?: SyncReadGate | undefined;
}

/** What a C-STORE sub-operation carries besides its object. */
export interface SubOperationOptions {
  readonly moveOriginator: { aeTitle: string; messageId: number };
  /** The objects sent after this one, read ahead while it is in flight. */
  readonly upcoming?: readonly UpcomingObject[];
  /** Called once the request is written (or could not be), while the destination works on it. */
  readonly onSent?: () => void;
}

export class DestinationAssociation {
  private readonly readAhead: ReadAhead;

  private constructor(
    private readonly client: DimseClient,
    private readonly accepted: readonly AcceptedSyntax[],
    private readonly options: DestinationOptions,
  ) {
    this.readAhead = new ReadAhead(options.blobStore, options.syncReads);
  }

  /** Opens the association; rejects when the destination is down or refuses it. */
  static async open(options: DestinationOptions): Promise<DestinationAssociation> {
    const client = await connectScu({
      host: options.destination.host,
      port: options.destination.port,
      callingAeTitle: options.callingAeTitle,
      calledAeTitle: options.destination.aeTitle,
      contexts: proposedContexts(options.instances),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
    const accepted = [...client.association.negotiated.contexts.values()]
      .filter((c) => c.result === 0)
      .map((c) => ({ sopClassUid: c.abstractSyntax, transferSyntaxUid: c.transferSyntax }));
    return new DestinationAssociation(client, accepted, options);
  }

  get associationId(): string {
    return this.client.association.id;
  }

  /** The syntax an object would go in, or undefined when no accepted context can carry it. */
  syntaxFor(instance: RetrievableInstance): string | undefined {
    return chooseSyntax(instance, this.accepted);
  }

  /**
   * One C-STORE sub-operation: resolves with its status; rejects when it could not be sent (its blob cannot
   * be opened: nothing is sent and the association stays usable).
   */
  async store(
    instance: RetrievableInstance,
    transferSyntaxUid: string,
    sub: SubOperationOptions,
  ): Promise<number> {
    const { moveOriginator, upcoming = [], onSent } = sub;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    // One timer per sub-operation, pushed back by every chunk (Timeout.refresh, not a new timer each time).
    const refresh = () => {
      if (timer !== undefined) {
        timer.refresh();
        return;
      }
      timer = setTimeout(() => {
        timedOut = true;
        this.client.association.abort();
      }, this.options.timeoutMs);
    };
    let source: Buffer | AsyncIterable<Buffer>;
    try {
      source =
        (await this.readAhead.take(instance, transferSyntaxUid)) ??
        (await this.openStream(instance, transferSyntaxUid, refresh));
    } catch (error) {
      // Nothing sent yet: this sub-operation fails, the association goes on.
      throw new SubOperationError(`${instance.sopInstanceUid}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // The next reads start once this object is written (its writev is issued within this turn of the event
    // loop): between the destination's last response and this object's first byte, nothing else runs.
    setImmediate(() => this.readAhead.prefetch(upcoming));
    refresh();
    try {
      // store() settles only after every byte was written to the socket (or the association failed), so
      // a read-ahead buffer is free again when it returns.
      const response = await this.client.store(
        instance.sopClassUid,
        instance.sopInstanceUid,
        transferSyntaxUid,
        source,
        { moveOriginator, ...(onSent === undefined ? {} : { onSent }) },
      );
      return response.status;
    } catch (error) {
      const why = timedOut ? `no answer within ${this.options.timeoutMs} ms` : (error as Error).message;
      throw new SubOperationError(`C-STORE of ${instance.sopInstanceUid}: ${why}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The data set streamed from the blob store (converted on the way when needed), its first chunk read. */
  private async openStream(
    instance: RetrievableInstance,
    transferSyntaxUid: string,
    onChunk: () => void,
  ): Promise<AsyncIterable<Buffer>> {
    const opened: OpenedSource = await openSource(
      dataSetSource(this.options.blobStore, instance, transferSyntaxUid),
    );
    return watched(opened.chunks, onChunk);
  }

  /** A-RELEASE (bounded by the timeout; aborted past it). */
  async close(): Promise<void> {
    const association = this.client.association;
    const timer = setTimeout(() => association.abort(), this.options.timeoutMs);
    try {
      await association.release();
    } catch {
      association.abort();
    } finally {
      clearTimeout(timer);
    }
  }
}
