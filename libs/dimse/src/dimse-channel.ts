/**
 * DimseChannel: the DIMSE service provider of one association (PS3.7 8), on either side. It sends
 * requests and matches their responses by Message ID Being Responded To, hands incoming requests to one
 * request handler (in order, as many at a time as the asynchronous operations window allows), handles
 * C-CANCEL-RQ by aborting the cancelled request's signal, and aborts the association on protocol errors.
 */
import type { Readable } from 'node:stream';
import type {
  Association,
  AssociationEnd,
  NegotiatedPresentationContext,
  PresentationDataValue,
} from '@dicomesh/dicom-ul';
import { writerFor } from './association-writer.js';
import { AsyncQueue } from './async-queue.js';
import type { CommandSet } from './command-elements.js';
import {
  CommandDataSetType,
  CommandField,
  commandName,
  isCommandField,
  isResponse,
} from './command-field.js';
import { encodeCommandSet } from './command-set.js';
import { type DimseLogger, resolveDimseLogger } from './dimse-logger.js';
import { AssociationEndedError, DimseProtocolError, NoPresentationContextError } from './errors.js';
import { type DataSetSource, fragmentMessage } from './message-fragmenter.js';
import { MessageReassembler, type ReassembledMessage } from './message-reassembler.js';
import { type DimseMessage, toDimseMessage } from './messages.js';
import { isPending } from './status.js';

/** A message to send: `commandDataSetType` is filled in from whether a data set is given. */
export type OutgoingMessage = Omit<CommandSet, 'commandDataSetType'> & { commandDataSetType?: number };

/** An incoming request, as the channel hands it to the request handler. */
export interface IncomingRequest {
  readonly message: DimseMessage;
  readonly contextId: number;
  readonly abstractSyntax: string;
  readonly transferSyntaxUid: string;
  /** The data set as it arrives; present when the command announced one. */
  readonly dataset?: Readable;
  /** With a data set: settles when its last fragment has arrived (whatever the consumer did with it). */
  readonly datasetReceived?: Promise<void>;
  /** Aborted by a C-CANCEL-RQ naming this message, or when the association ends. */
  readonly signal: AbortSignal;
}

/** A response to a request we sent; a data set that came with it is collected (identifiers are small). */
export interface IncomingResponse {
  readonly message: DimseMessage;
  readonly contextId: number;
  readonly dataset?: Buffer;
}

export type RequestHandler = (request: IncomingRequest) => Promise<void>;

export interface DimseChannelOptions {
  readonly logger?: DimseLogger;
  /** Largest data set collected for a response or a buffered request (default 64 MiB). */
  readonly maxBufferedDataSet?: number;
}

/** Collect a data set stream into one Buffer, refusing more than `max` bytes. */
export async function collectDataSet(stream: Readable, max = 64 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += (chunk as Buffer).length;
    if (length > max) {
      stream.destroy();
      throw new DimseProtocolError(`data set longer than ${max} bytes where a small one was expected`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts, length);
}

class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.limit === 0 || this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}

interface PendingRequest {
  readonly commandField: number;
  readonly responses: AsyncQueue<IncomingResponse>;
}

export class DimseChannel {
  readonly association: Association;
  readonly logger: DimseLogger;
  private readonly reassembler: MessageReassembler;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly performing = new Map<number, AbortController>();
  private readonly invokeWindow: Semaphore;
  private readonly performWindow: Semaphore;
  private readonly maxBuffered: number;
  private nextId = 0;
  private handler: RequestHandler | undefined;
  private endError: AssociationEndedError | undefined;
  private responseChain: Promise<void> = Promise.resolve();

  constructor(association: Association, options: DimseChannelOptions = {}) {
    this.association = association;
    this.logger = resolveDimseLogger(options.logger);
    this.maxBuffered = options.maxBufferedDataSet ?? 64 * 1024 * 1024;
    const n = association.negotiated;
    // Async operations window (PS3.7 D.3.3.3): the requestor may invoke maxOperationsInvoked at a time, and
    // perform (i.e. the acceptor may invoke) maxOperationsPerformed; 0 means unlimited.
    const weInvoke = association.side === 'requestor' ? n.maxOperationsInvoked : n.maxOperationsPerformed;
    const peerInvokes = association.side === 'requestor' ? n.maxOperationsPerformed : n.maxOperationsInvoked;
    this.invokeWindow = new Semaphore(weInvoke);
    this.performWindow = new Semaphore(peerInvokes);
    this.reassembler = new MessageReassembler(
      {
        onMessage: (m) => this.onMessage(m),
        pause: () => association.pauseInbound(),
        resume: () => association.resumeInbound(),
      },
      (id) => n.contexts.get(id)?.result === 0,
    );
    association.on('pdata', this.onPData);
    association.on('end', this.onEnd);
    if (association.ended) this.onEnd({ reason: 'transport-closed' });
  }

  /** Install the handler of incoming requests (the SCP dispatcher). Without one, requests are refused. */
  setRequestHandler(handler: RequestHandler): void {
    this.handler = handler;
  }

  get ended(): boolean {
    return this.endError !== undefined;
  }

  /** A new Message ID, unique among this association's outstanding requests (1..65535, wrapping). */
  nextMessageId(): number {
    for (let i = 0; i < 0xffff; i++) {
      this.nextId = (this.nextId % 0xffff) + 1;
      if (!this.pending.has(this.nextId)) return this.nextId;
    }
    throw new RangeError('DIMSE: every message ID is in use');
  }

  /** Accepted contexts on which we may send requests for this SOP class (our role: SCU of it). */
  contextsForInvoking(abstractSyntax: string): NegotiatedPresentationContext[] {
    const requestor = this.association.side === 'requestor';
    return [...this.association.negotiated.contexts.values()].filter(
      (c) =>
        c.result === 0 &&
        c.abstractSyntax === abstractSyntax &&
        (requestor ? c.requestorIsScu : c.requestorIsScp),
    );
  }

  /** The accepted context for invoking this SOP class, in this transfer syntax when one is given. */
  contextFor(abstractSyntax: string, transferSyntax?: string): NegotiatedPresentationContext {
    const all = this.contextsForInvoking(abstractSyntax);
    const found = transferSyntax ? all.find((c) => c.transferSyntax === transferSyntax) : all[0];
    if (!found) throw new NoPresentationContextError(abstractSyntax, transferSyntax);
    return found;
  }

  /** Send one message (whole, through the association's writer queue). */
  async send(contextId: number, message: OutgoingMessage, dataset?: DataSetSource): Promise<void> {
    if (this.endError) throw this.endError;
    const command = encodeCommandSet({
      ...message,
      commandDataSetType:
        dataset === undefined
          ? CommandDataSetType.None
          : (message.commandDataSetType ?? CommandDataSetType.Present),
    } as CommandSet);
    this.logger.debug('dimse message out', {
      association: this.association.id,
      direction: 'out',
      command: commandName(message.commandField),
      messageId: message.messageId ?? message.messageIdBeingRespondedTo,
      contextId,
    });
    await writerFor(this.association).send(
      fragmentMessage(contextId, command, dataset, this.association.negotiated.peerMaxPduLength),
    );
  }

  /**
   * Send a request (its messageId is allocated here unless given) and return its responses: pending ones
   * and then the final one, after which the iterable ends. Waits for room in the asynchronous window.
   */
  async invoke(
    contextId: number,
    message: OutgoingMessage,
    dataset?: DataSetSource,
  ): Promise<{ messageId: number; responses: AsyncIterable<IncomingResponse> }> {
    if (this.endError) throw this.endError;
    await this.invokeWindow.acquire();
    const messageId = message.messageId ?? this.nextMessageId();
    const responses = new AsyncQueue<IncomingResponse>();
    this.pending.set(messageId, { commandField: message.commandField, responses });
    try {
      await this.send(contextId, { ...message, messageId }, dataset);
    } catch (error) {
      this.settle(messageId);
      responses.fail(error);
    }
    return { messageId, responses };
  }

  /** Send C-CANCEL-RQ for an outstanding request of ours (not counted in the window). */
  async cancel(contextId: number, messageId: number): Promise<void> {
    if (!this.pending.has(messageId)) return;
    await this.send(contextId, {
      commandField: CommandField.CCancelRq,
      messageIdBeingRespondedTo: messageId,
    });
  }

  private settle(messageId: number): void {
    if (this.pending.delete(messageId)) this.invokeWindow.release();
  }

  private readonly onPData = (pdvs: readonly PresentationDataValue[]): void => {
    try {
      this.reassembler.push(pdvs);
    } catch (error) {
      this.protocolError(error as Error);
    }
  };

  private protocolError(error: Error): void {
    this.logger.warn('dimse protocol error, aborting the association', {
      association: this.association.id,
      error: error.message,
    });
    this.association.abort();
    this.shutdown(new AssociationEndedError('protocol-error', { cause: error }));
  }

  private readonly onEnd = (end: AssociationEnd): void => {
    this.shutdown(new AssociationEndedError(end.reason, { cause: end.error }));
  };

  private shutdown(error: AssociationEndedError): void {
    if (this.endError) return;
    this.endError = error;
    this.association.off('pdata', this.onPData);
    this.reassembler.close(error);
    for (const [id, p] of this.pending) {
      p.responses.fail(error);
      this.pending.delete(id);
    }
    for (const controller of this.performing.values()) controller.abort(error);
    this.performing.clear();
  }

  private onMessage(m: ReassembledMessage): void {
    let message: DimseMessage;
    const field = m.command.commandField;
    if (!isCommandField(field) && (field & 0x8000) === 0 && m.command.messageId !== undefined) {
      // A request this provider does not know: answer Unrecognized operation (PS3.7 C.5.6), keep going.
      this.logger.warn('dimse unknown command, answered 0x0211', {
        association: this.association.id,
        commandField: field,
      });
      m.dataset?.resume();
      const done = m.datasetReceived ?? Promise.resolve();
      done
        .then(() =>
          this.send(m.contextId, {
            commandField: field | 0x8000,
            messageIdBeingRespondedTo: m.command.messageId as number,
            status: 0x0211,
          }),
        )
        .catch(() => {});
      return;
    }
    if (!isCommandField(field) && (field & 0x8000) !== 0 && m.command.status !== undefined) {
      // The response to a request outside the table (sent with `invoke`): matched like any other.
      this.onResponse(m.command as DimseMessage, m);
      return;
    }
    try {
      message = toDimseMessage(m.command);
    } catch (cause) {
      m.dataset?.destroy();
      this.protocolError(new DimseProtocolError((cause as Error).message, { contextId: m.contextId, cause }));
      return;
    }
    const context = this.association.negotiated.contexts.get(m.contextId) as NegotiatedPresentationContext;
    this.logger.debug('dimse message in', {
      association: this.association.id,
      direction: 'in',
      command: commandName(message.commandField),
      messageId: 'messageId' in message ? message.messageId : message.messageIdBeingRespondedTo,
      contextId: m.contextId,
    });
    if (message.commandField === CommandField.CCancelRq) {
      this.performing.get(message.messageIdBeingRespondedTo)?.abort(new Error('C-CANCEL-RQ'));
      return;
    }
    if (isResponse(message.commandField)) {
      this.onResponse(message, m);
      return;
    }
    void this.onRequest(message, m, context);
  }

  private onResponse(message: DimseMessage, m: ReassembledMessage): void {
    const id = (message as { messageIdBeingRespondedTo: number }).messageIdBeingRespondedTo;
    const pending = this.pending.get(id);
    if (!pending || message.commandField !== (pending.commandField | 0x8000)) {
      m.dataset?.resume();
      this.logger.warn('dimse response to no outstanding request, ignored', {
        association: this.association.id,
        command: commandName(message.commandField),
        messageIdBeingRespondedTo: id,
      });
      return;
    }
    const final = !isPending((message as { status: number }).status);
    if (final) this.settle(id);
    const deliver = (dataset?: Buffer) => {
      pending.responses.push({ message, contextId: m.contextId, ...(dataset ? { dataset } : {}) });
      if (final) pending.responses.end();
    };
    // Deliver in arrival order: a response whose data set is still being collected holds back later ones.
    const dataset = m.dataset ? collectDataSet(m.dataset, this.maxBuffered) : undefined;
    dataset?.catch(() => {}); // handled below, in order
    this.responseChain = this.responseChain
      .then(async () => deliver(dataset ? await dataset : undefined))
      .catch((error: Error) => {
        if (!this.ended) this.protocolError(error);
      });
  }

  private async onRequest(
    message: DimseMessage,
    m: ReassembledMessage,
    context: NegotiatedPresentationContext,
  ): Promise<void> {
    const messageId = (message as { messageId: number }).messageId;
    const controller = new AbortController();
    if (this.performing.has(messageId)) {
      this.logger.warn('dimse duplicate message ID among outstanding requests', {
        association: this.association.id,
        messageId,
      });
    }
    this.performing.set(messageId, controller);
    await this.performWindow.acquire();
    try {
      if (this.endError) return;
      const request: IncomingRequest = {
        message,
        contextId: m.contextId,
        abstractSyntax: context.abstractSyntax,
        transferSyntaxUid: context.transferSyntax,
        signal: controller.signal,
        ...(m.dataset ? { dataset: m.dataset } : {}),
        ...(m.datasetReceived ? { datasetReceived: m.datasetReceived } : {}),
      };
      if (!this.handler) {
        m.dataset?.resume();
        await this.send(m.contextId, {
          commandField: message.commandField | 0x8000,
          messageIdBeingRespondedTo: messageId,
          status: 0x0211,
        });
        return;
      }
      await this.handler(request);
    } catch (error) {
      this.logger.error('dimse request handling failed', {
        association: this.association.id,
        messageId,
        error: (error as Error).message,
      });
      // The request must still get a final response, or the peer waits forever.
      if (!this.endError) {
        await this.send(m.contextId, {
          commandField: message.commandField | 0x8000,
          messageIdBeingRespondedTo: messageId,
          status: 0x0110,
          errorComment: (error as Error).message.slice(0, 64),
        }).catch(() => {});
      }
    } finally {
      if (this.performing.get(messageId) === controller) this.performing.delete(messageId);
      this.performWindow.release();
    }
  }
}

const channels = new WeakMap<Association, DimseChannel>();

/** The association's channel: one per association, created on first use. */
export function channelFor(association: Association, options?: DimseChannelOptions): DimseChannel {
  let channel = channels.get(association);
  if (!channel) {
    channel = new DimseChannel(association, options);
    channels.set(association, channel);
  }
  return channel;
}
