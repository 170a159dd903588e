/**
 * One transport connection and its Upper Layer state machine, on either side. It is the UpperLayerProvider the
 * actions drive (socket, ARTIM, indications) and, once established, the Association the DIMSE layer uses.
 * Socket events and timers drive the machine: data -> PDUs -> Evt3..Evt16, decode failure -> Evt19,
 * close -> Evt17, ARTIM -> Evt18. Nothing thrown by a peer's bytes escapes into Node's event loop.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { AbortReason, AbortSource } from './abort-codes.js';
import { ArtimTimer } from './artim-timer.js';
import type {
  Association,
  AssociationEnd,
  AssociationEndReason,
  AssociationEvents,
  NegotiatedAssociation,
  PresentationDataValue,
} from './association-api.js';
import { AssociationAbortedError, AssociationRejectedError, InvalidPrimitiveError } from './errors.js';
import { negotiatedAssociation } from './negotiation.js';
import type { AssociateAcPdu, AssociateRjPdu, AssociateRqPdu, PDataTfPdu, Pdu } from './pdu.js';
import { encodePDataTfParts, encodePdu } from './pdu-encoder.js';
import { PduStreamDecoder } from './pdu-stream-decoder.js';
import { PDU_TYPE_NAMES, PduType } from './pdu-type.js';
import { RejectReason, RejectResult, RejectSource } from './reject-codes.js';
import {
  eventForPdu,
  type TransitionOutcome,
  type UlEvent,
  type UpperLayerProvider,
  UpperLayerStateMachine,
} from './state-machine.js';
import type { UlLogger } from './ul-logger.js';

/** PDUs up to this size are copied into one buffer (one write); larger ones are written part by part. */
const COPY_THRESHOLD = 64 * 1024;
/** A PDV item's length field, context ID and message control header (PS3.8 9.3.5.1). */
const PDV_ITEM_LENGTH = 6;

export interface UpperLayerConnectionOptions {
  readonly side: 'acceptor' | 'requestor';
  readonly localMaxPduLength: number;
  readonly artimTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly logger: UlLogger;
  /** Requestor: how to open the transport, and the RQ to send. */
  readonly connect?: () => Socket;
  /**
   * Requestor: the socket's event that confirms the transport (Evt2): `connect` for TCP, `secureConnect` for
   * a TLS socket (PS3.15 B.1: TLS is up before A-ASSOCIATE-RQ goes).
   */
  readonly connectedEvent?: 'connect' | 'secureConnect';
  readonly request?: AssociateRqPdu;
  /** Acceptor: the A-ASSOCIATE indication handler; answers with an AC or RJ PDU. */
  readonly negotiate?: (rq: AssociateRqPdu) => AssociateAcPdu | AssociateRjPdu;
  /** Established and accepted (acceptor: after AC sent; requestor: after AC received). */
  readonly onEstablished?: (association: UpperLayerConnection) => void;
  /** Requestor only: the attempt failed before establishment; socketError is the transport's, if any. */
  readonly onFailed?: (error: Error, reason: AssociationEndReason | 'rejected', socketError?: Error) => void;
  /** The socket closed (every connection ends with this exactly once). */
  readonly onClosed?: (connection: UpperLayerConnection) => void;
}

export class UpperLayerConnection
  extends EventEmitter<AssociationEvents>
  implements Association, UpperLayerProvider
{
  readonly id = randomUUID();
  readonly side: 'acceptor' | 'requestor';
  readonly isRequestor: boolean;
  private socket: Socket | undefined;
  private readonly machine: UpperLayerStateMachine;
  /** The logger wants debug lines (asked once): the per-PDU ones are built only then. */
  private readonly debug: boolean;
  private readonly artim: ArtimTimer;
  private readonly decoder: PduStreamDecoder;
  private idleTimer: NodeJS.Timeout | undefined;
  private destroyTimer: NodeJS.Timeout | undefined;
  private drainWaiters: ((error?: Error) => void)[] = [];
  private rq: AssociateRqPdu | undefined;
  private negotiatedValue: NegotiatedAssociation | undefined;
  private established = false;
  private endValue: AssociationEnd | undefined;
  private socketError: Error | undefined;
  private closed = false;
  private closeWaiters: (() => void)[] = [];
  private releaseWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly options: UpperLayerConnectionOptions) {
    super();
    this.side = options.side;
    this.isRequestor = options.side === 'requestor';
    this.rq = options.request;
    this.debug = options.logger.isDebugEnabled?.() ?? true;
    this.artim = new ArtimTimer(options.artimTimeoutMs, () => this.dispatch({ name: 'Evt18' }));
    this.decoder = new PduStreamDecoder({
      maxPDataLength: options.localMaxPduLength,
      onPdu: (pdu, bytes) => {
        if (this.debug)
          this.log('debug', 'pdu received', { direction: 'in', pduType: PDU_TYPE_NAMES[pdu.type], bytes });
        if (this.idleTimer) this.idleTimer.refresh();
        this.dispatch(eventForPdu(pdu));
      },
      onError: (error) => {
        this.log('warn', 'invalid PDU', { direction: 'in', error: error.message });
        this.dispatch({ name: 'Evt19', error });
      },
    });
    this.machine = new UpperLayerStateMachine(this, (event, outcome) => this.onTransition(event, outcome));
  }

  // ---- Association (the DIMSE layer's view) ----

  get negotiated(): NegotiatedAssociation {
    if (!this.negotiatedValue) throw new Error(`association ${this.id}: not established`);
    return this.negotiatedValue;
  }

  /** Captured when the transport connects (a closed socket forgets its peer). */
  remoteAddress = '';
  remotePort = 0;

  get ended(): boolean {
    return this.endValue !== undefined;
  }

  get state(): string {
    return this.machine.state;
  }

  /** The socket is closed and the machine is back in Sta1. */
  get isClosed(): boolean {
    return this.closed;
  }

  sendPData(pdvs: readonly PresentationDataValue[]): Promise<void> {
    const invalid = this.pDataError(pdvs);
    if (invalid) return Promise.reject(invalid);
    return new Promise((resolve, reject) => {
      this.dispatch({
        name: 'Evt9',
        pdu: { type: PduType.PDataTf, pdvs },
        onSent: (error) => (error ? reject(error) : resolve()),
      });
    });
  }

  sendPDataEach(pdvs: readonly PresentationDataValue[]): Promise<void> {
    for (const pdv of pdvs) {
      const invalid = this.pDataError([pdv]);
      if (invalid) return Promise.reject(invalid);
    }
    if (pdvs.length === 0) return Promise.reject(new RangeError('sendPData: no presentation data values'));
    return new Promise((resolve, reject) => {
      let failed = false;
      const onSent = (error?: Error) => {
        if (failed) return;
        if (error) {
          failed = true;
          reject(error);
        }
      };
      // Corked, the PDUs' buffers leave in one writev when the loop ends.
      const socket = this.socket;
      socket?.cork();
      try {
        const last = pdvs.length - 1;
        for (let i = 0; i <= last && !failed; i++) {
          this.dispatch({
            name: 'Evt9',
            pdu: { type: PduType.PDataTf, pdvs: [pdvs[i] as PresentationDataValue] },
            onSent: i === last ? (error) => (error ? onSent(error) : resolve()) : onSent,
            untilWritten: i === last,
          });
        }
      } finally {
        socket?.uncork();
      }
    });
  }

  /** Why these PDVs cannot be one P-DATA-TF PDU to the peer, if they cannot. */
  private pDataError(pdvs: readonly PresentationDataValue[]): RangeError | undefined {
    if (pdvs.length === 0) return new RangeError('sendPData: no presentation data values');
    let length = 0;
    for (const pdv of pdvs) {
      if (pdv.contextId < 1 || pdv.contextId > 255 || pdv.contextId % 2 === 0) {
        return new RangeError(`sendPData: presentation context ID ${pdv.contextId} is not odd in 1..255`);
      }
      length += PDV_ITEM_LENGTH + pdv.data.length;
    }
    const peerMax = this.negotiatedValue?.peerMaxPduLength ?? 0;
    if (peerMax > 0 && length > peerMax) {
      return new RangeError(`sendPData: P-DATA-TF length ${length} over the peer's maximum ${peerMax}`);
    }
    return undefined;
  }

  release(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.releaseWaiters.push({ resolve, reject });
      this.dispatch({ name: 'Evt11' });
    });
  }

  abort(source: number = AbortSource.ServiceUser, reason: number = AbortReason.NotSpecified): void {
    try {
      this.dispatch({ name: 'Evt15', source, reason });
    } catch (error) {
      this.log('error', 'abort failed', { error: String(error) });
    }
  }

  pauseInbound(): void {
    this.socket?.pause();
  }

  resumeInbound(): void {
    this.socket?.resume();
  }

  // ---- lifecycle ----

  /** Acceptor: a transport connection arrived (Evt5). */
  attach(socket: Socket): void {
    this.bindSocket(socket);
    this.dispatch({ name: 'Evt5' });
  }

  /** Requestor: A-ASSOCIATE request primitive (Evt1). */
  start(): void {
    this.dispatch({ name: 'Evt1' });
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Abort if anything is open and close the socket (acceptor shutdown). */
  shutdown(): void {
    if (this.machine.allows('Evt15')) this.abort(AbortSource.ServiceUser, AbortReason.NotSpecified);
    const socket = this.socket;
    if (!socket || this.closed) return;
    // Flush what is queued (the A-ABORT), then close without waiting for the peer.
    socket.end(() => socket.destroy());
    this.closeTransport();
  }

  private bindSocket(socket: Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    const remember = () => {
      this.remoteAddress = socket.remoteAddress ?? '';
      this.remotePort = socket.remotePort ?? 0;
    };
    if (socket.remoteAddress) remember();
    else socket.once('connect', remember);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.decoder.push(chunk);
      } catch (error) {
        // Only a bug of ours can land here (a handler that threw); never let it reach the event loop.
        this.log('error', 'internal error handling input', { error: String(error) });
        socket.destroy();
      }
    });
    socket.on('drain', () => this.flushDrainWaiters());
    socket.on('error', (error) => {
      this.log('debug', 'socket error', { error: error.message });
      this.socketError = error;
    });
    socket.on('close', () => {
      this.closed = true;
      if (this.destroyTimer) clearTimeout(this.destroyTimer);
      this.flushDrainWaiters(
        new AssociationAbortedError(AbortSource.ServiceProvider, AbortReason.NotSpecified, {
          detail: 'transport closed',
        }),
      );
      this.safeDispatch({ name: 'Evt17', ...(this.socketError ? { error: this.socketError } : {}) });
      this.artim.stop();
      this.stopIdleTimer();
      // The machine may still be waiting on Sta1-pairs only; make sure no end is left unreported.
      this.associationEnded('transport-closed', {});
      for (const w of this.closeWaiters.splice(0)) w();
      this.options.onClosed?.(this);
    });
  }

  private dispatch(event: UlEvent): void {
    this.machine.dispatch(event);
  }

  private safeDispatch(event: UlEvent): void {
    try {
      this.machine.dispatch(event);
    } catch (error) {
      this.log('error', 'internal error in state machine', { event: event.name, error: String(error) });
      this.socket?.destroy();
    }
  }

  private onTransition(event: UlEvent, outcome: TransitionOutcome): void {
    if (outcome.kind === 'action') {
      if (!this.debug) return;
      this.log('debug', 'transition', {
        event: event.name,
        action: outcome.action,
        from: outcome.from,
        to: outcome.to,
      });
      return;
    }
    this.log(
      outcome.invalid === 'local-primitive-not-allowed' ? 'warn' : 'debug',
      'event not valid in state',
      {
        event: event.name,
        state: outcome.state,
        invalid: outcome.invalid,
      },
    );
    const error = new InvalidPrimitiveError(
      outcome.state,
      event.name,
      this.endValue ? `association ${this.endValue.reason}` : 'state does not allow it',
    );
    if (event.name === 'Evt9') event.onSent?.(error);
    if (event.name === 'Evt11') for (const w of this.releaseWaiters.splice(0)) w.reject(error);
  }

  private flushDrainWaiters(error?: Error): void {
    for (const w of this.drainWaiters.splice(0)) w(error);
  }

  private startIdleTimer(): void {
    if (this.options.idleTimeoutMs <= 0) return;
    this.idleTimer = setTimeout(() => {
      this.log('info', 'idle timeout, aborting', { idleTimeoutMs: this.options.idleTimeoutMs });
      this.abort(AbortSource.ServiceProvider, AbortReason.NotSpecified);
    }, this.options.idleTimeoutMs);
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private log(
    level: 'debug' | 'info' | 'warn' | 'error',
    msg: string,
    fields: Record<string, unknown> = {},
  ): void {
    this.options.logger.log(level, msg, {
      associationId: this.id,
      side: this.side,
      ...(this.rq ? { callingAeTitle: this.rq.callingAeTitle, calledAeTitle: this.rq.calledAeTitle } : {}),
      ...fields,
    });
  }

  /** Emit to the user; a throwing listener is logged, never propagated into the machine. */
  private emitSafely<K extends keyof AssociationEvents>(name: K, ...args: AssociationEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: AssociationEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      this.log('error', 'association listener threw', { event: name, error: String(error) });
    }
  }

  // ---- UpperLayerProvider (what the actions do) ----

  connectTransport(): void {
    if (!this.options.connect) throw new Error('connectTransport: not a requestor');
    const socket = this.options.connect();
    this.bindSocket(socket);
    socket.once(this.options.connectedEvent ?? 'connect', () => this.safeDispatch({ name: 'Evt2' }));
  }

  associateRequest(): AssociateRqPdu {
    if (!this.rq) throw new Error('associateRequest: no A-ASSOCIATE-RQ');
    return this.rq;
  }

  sendPdu(pdu: Pdu, onSent?: (error?: Error) => void, untilWritten = false): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) {
      onSent?.(
        new AssociationAbortedError(AbortSource.ServiceProvider, AbortReason.NotSpecified, {
          detail: 'transport closed',
        }),
      );
      return;
    }
    let parts: Buffer[];
    try {
      parts = pdu.type === PduType.PDataTf ? encodePDataTfParts(pdu) : [encodePdu(pdu)];
    } catch (error) {
      this.log('error', 'cannot encode PDU', { pduType: PDU_TYPE_NAMES[pdu.type], error: String(error) });
      onSent?.(error as Error);
      return;
    }
    const total = parts.reduce((n, part) => n + part.length, 0);
    if (this.debug)
      this.log('debug', 'pdu sent', { direction: 'out', pduType: PDU_TYPE_NAMES[pdu.type], bytes: total });
    // Small PDUs are joined into one write; a large data set fragment is written as it is, behind its
    // headers, so it is never copied into a PDU buffer. Corked (sendPDataEach), every part waits for the
    // one writev anyway: nothing is copied.
    const joined = parts.length === 1 || (total <= COPY_THRESHOLD && socket.writableCorked === 0);
    const writes = joined ? [parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, total)] : parts;
    const last = writes.length - 1;
    let flushed = true;
    for (let i = 0; i < last; i++) flushed = socket.write(writes[i] as Buffer);
    if (onSent && untilWritten) {
      // Writes complete in order: the last one written means every byte of the PDU is with the kernel.
      socket.write(writes[last] as Buffer, (error) =>
        onSent(
          error
            ? new AssociationAbortedError(AbortSource.ServiceProvider, AbortReason.NotSpecified, {
                detail: `transport write failed: ${error.message}`,
              })
            : undefined,
        ),
      );
      return;
    }
    flushed = socket.write(writes[last] as Buffer);
    if (!onSent) return;
    if (flushed) onSent();
    else this.drainWaiters.push(onSent);
  }

  closeTransport(): void {
    const socket = this.socket;
    if (!socket || this.closed) return;
    if (socket.connecting) {
      socket.destroy();
      return;
    }
    socket.end();
    // A peer that never closes its side: give it ARTIM, then destroy.
    if (!this.destroyTimer) {
      this.destroyTimer = setTimeout(() => socket.destroy(), this.options.artimTimeoutMs);
      this.destroyTimer.unref();
    }
  }

  startArtim(): void {
    this.artim.start();
  }

  stopArtim(): void {
    this.artim.stop();
  }

  providerRejection(rq: AssociateRqPdu): AssociateRjPdu | undefined {
    this.rq = rq; // the first look at the RQ: keep it for logs and negotiation
    if ((rq.protocolVersion & 1) === 0) {
      return {
        type: PduType.AssociateRj,
        result: RejectResult.Permanent,
        source: RejectSource.ServiceProviderAcse,
        reason: RejectReason.ProtocolVersionNotSupported,
      };
    }
    return undefined;
  }

  associateIndication(rq: AssociateRqPdu): void {
    let answer: AssociateAcPdu | AssociateRjPdu;
    try {
      answer = this.options.negotiate
        ? this.options.negotiate(rq)
        : {
            type: PduType.AssociateRj,
            result: RejectResult.Permanent,
            source: RejectSource.ServiceUser,
            reason: RejectReason.NoReasonGiven,
          };
    } catch (error) {
      this.log('error', 'negotiation failed', { error: String(error) });
      answer = {
        type: PduType.AssociateRj,
        result: RejectResult.Transient,
        source: RejectSource.ServiceUser,
        reason: RejectReason.NoReasonGiven,
      };
    }
    if (answer.type === PduType.AssociateAc) {
      this.dispatch({ name: 'Evt7', pdu: answer });
    } else {
      this.log('info', 'association rejected', {
        result: answer.result,
        source: answer.source,
        reason: answer.reason,
      });
      this.dispatch({ name: 'Evt8', pdu: answer });
    }
  }

  associationEstablished(ac: AssociateAcPdu): void {
    if (!this.rq) return;
    this.negotiatedValue = negotiatedAssociation(this.rq, ac, this.side, this.options.localMaxPduLength);
    this.established = true;
    this.startIdleTimer();
    this.log('info', 'association established', {
      peerMaxPduLength: this.negotiatedValue.peerMaxPduLength,
      acceptedContexts: [...this.negotiatedValue.contexts.values()].filter((c) => c.result === 0).length,
    });
    try {
      this.options.onEstablished?.(this);
    } catch (error) {
      this.log('error', 'onAssociation handler threw', { error: String(error) });
    }
  }

  associateRejected(rj: AssociateRjPdu): void {
    this.endValue = { reason: 'protocol-error' };
    this.options.onFailed?.(new AssociationRejectedError(rj.result, rj.source, rj.reason), 'rejected');
  }

  pdataIndication(pdu: PDataTfPdu): void {
    this.emitSafely('pdata', pdu.pdvs);
  }

  releaseIndication(collision: boolean): void {
    this.emitSafely('release-requested');
    // We answer the A-RELEASE indication ourselves; an acceptor in a collision answers after its confirmation (AR-10).
    if (!collision || this.isRequestor) this.dispatch({ name: 'Evt14' });
  }

  releaseConfirmation(): void {
    if (this.machine.state === 'Sta10') this.dispatch({ name: 'Evt14' });
  }

  associationEnded(
    reason: AssociationEndReason,
    detail: { abortSource?: number; abortReason?: number; error?: Error },
  ): void {
    if (this.endValue) return;
    this.stopIdleTimer();
    const error =
      detail.error ??
      (reason === 'aborted-by-peer' || reason === 'aborted-by-us'
        ? new AssociationAbortedError(detail.abortSource ?? 0, detail.abortReason ?? 0, {
            detail: reason === 'aborted-by-us' ? 'aborted locally' : 'aborted by peer',
          })
        : undefined);
    const end: AssociationEnd = {
      reason,
      ...(detail.abortSource === undefined ? {} : { abortSource: detail.abortSource }),
      ...(detail.abortReason === undefined ? {} : { abortReason: detail.abortReason }),
      ...(error ? { error } : {}),
    };
    this.endValue = end;
    this.log(reason === 'released' ? 'info' : 'warn', 'association ended', {
      reason,
      abortSource: detail.abortSource,
      abortReason: detail.abortReason,
      error: error?.message,
    });
    if (this.established) {
      for (const w of this.releaseWaiters.splice(0)) {
        if (reason === 'released') w.resolve();
        else w.reject(error ?? new Error(`association ended: ${reason}`));
      }
      this.emitSafely('end', end);
    } else if (this.isRequestor) {
      this.options.onFailed?.(requestFailure(reason, detail, this.socketError), reason, this.socketError);
    }
  }
}

function requestFailure(
  reason: AssociationEndReason,
  detail: { abortSource?: number; abortReason?: number; error?: Error },
  socketError: Error | undefined,
): Error {
  if (reason === 'transport-closed') {
    return new AssociationAbortedError(AbortSource.ServiceProvider, AbortReason.NotSpecified, {
      detail: `transport closed before A-ASSOCIATE-AC${socketError ? `: ${socketError.message}` : ''}`,
      ...(socketError ? { cause: socketError } : {}),
    });
  }
  return new AssociationAbortedError(
    detail.abortSource ?? AbortSource.ServiceProvider,
    detail.abortReason ?? 0,
    {
      detail: `${reason} before A-ASSOCIATE-AC${detail.error ? `: ${detail.error.message}` : ''}`,
      ...(detail.error ? { cause: detail.error } : {}),
    },
  );
}
