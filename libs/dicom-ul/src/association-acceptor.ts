/**
 * The association acceptor: a TCP listener (or sockets handed in, e.g. from a TLS server) whose connections each
 * run an UpperLayerConnection, negotiating with negotiateAsAcceptor. Local policy rejections (drain, association
 * limit) are decided here, the rest in negotiation.ts.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Association } from './association-api.js';
import { DICOMESH_IMPLEMENTATION_CLASS_UID, DICOMESH_IMPLEMENTATION_VERSION_NAME } from './implementation.js';
import {
  type AcceptorPolicy,
  negotiateAsAcceptor,
  rejectPdu,
  type TransferSyntaxPreference,
} from './negotiation.js';
import type { AssociateAcPdu, AssociateRjPdu, AssociateRqPdu } from './pdu.js';
import { PduType } from './pdu-type.js';
import { RejectReason, RejectResult, RejectSource } from './reject-codes.js';
import { resolveLogger, type UlLogger } from './ul-logger.js';
import { UpperLayerConnection } from './upper-layer-connection.js';

export interface AcceptorOptions {
  /** Our AE title; an RQ calling another: A-ASSOCIATE-RJ 1 (permanent) / 1 (service user) / 7 (called AE not recognized). */
  aeTitle: string;
  /** undefined: any; otherwise an unknown calling AE: 1 / 1 / 3. */
  allowedCallingAeTitles?: readonly string[];
  /** abstract syntax -> acceptable transfer syntaxes, best first; undefined: result 3 (abstract syntax not supported); no common TS: result 4 */
  transferSyntaxesFor: (abstractSyntax: string) => readonly string[] | undefined;
  /** Whose order picks the transfer syntax among those both support; default the acceptor's (the list above). */
  transferSyntaxPreference?: TransferSyntaxPreference;
  /** SCP/SCU role selection answer for a proposed role item; default: accept as proposed */
  selectRole?: (
    abstractSyntax: string,
    proposed: { scu: boolean; scp: boolean },
  ) => { scu: boolean; scp: boolean };
  /** SOP class extended negotiation answer; default: none returned */
  extendedNegotiation?: (sopClassUid: string, info: Buffer) => Buffer | undefined;
  /** Largest P-DATA-TF variable field we accept; default 262144. */
  maxPduLength?: number;
  /** Asynchronous operations window we answer (operations the requestor may invoke); default 1. */
  maxOperationsPerformed?: number;
  /** Default 10000: connection without A-ASSOCIATE-RQ, and release/abort waits. */
  artimTimeoutMs?: number;
  /** No PDU in Sta6 for this long -> A-ABORT; default 0 (off). */
  idleTimeoutMs?: number;
  /** Beyond: A-ASSOCIATE-RJ 2 (transient) / 3 (service provider, presentation) / 2 (local limit exceeded). */
  maxAssociations?: number;
  implementationClassUid?: string;
  implementationVersionName?: string;
  onAssociation: (association: Association) => void;
  /** Told of every A-ASSOCIATE-RJ this acceptor sends (for audit events and metrics); must not throw. */
  onRejected?: (rejection: AssociationRejection) => void;
  /** Structured logger; default silent. */
  logger?: UlLogger;
}

/** An association request this acceptor answered with A-ASSOCIATE-RJ. */
export interface AssociationRejection {
  readonly callingAeTitle: string;
  readonly calledAeTitle: string;
  readonly remoteAddress: string;
  readonly result: number;
  readonly source: number;
  readonly reason: number;
}

export interface AssociationAcceptor {
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** For listeners owned elsewhere (TLS). */
  handleSocket(socket: Socket): void;
  /**
   * Stop accepting: new A-ASSOCIATE-RQ answered with A-ASSOCIATE-RJ 2 (transient) / 3 (service provider,
   * presentation) / 1 (temporary congestion); open associations continue.
   */
  drain(): void;
  /** Stop listening, abort every association and close every connection. */
  close(): Promise<void>;
  readonly associationCount: number;
  readonly connectionCount: number;
}

export const DEFAULT_MAX_PDU_LENGTH = 262_144;
export const DEFAULT_ARTIM_TIMEOUT_MS = 10_000;

export function createAcceptor(options: AcceptorOptions): AssociationAcceptor {
  const logger = resolveLogger(options.logger);
  const maxPduLength = options.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH;
  const policy: AcceptorPolicy = {
    aeTitle: options.aeTitle,
    ...(options.allowedCallingAeTitles ? { allowedCallingAeTitles: options.allowedCallingAeTitles } : {}),
    transferSyntaxesFor: options.transferSyntaxesFor,
    ...(options.transferSyntaxPreference
      ? { transferSyntaxPreference: options.transferSyntaxPreference }
      : {}),
    ...(options.selectRole ? { selectRole: options.selectRole } : {}),
    ...(options.extendedNegotiation ? { extendedNegotiation: options.extendedNegotiation } : {}),
    maxPduLength,
    maxOperationsPerformed: options.maxOperationsPerformed ?? 1,
    implementationClassUid: options.implementationClassUid ?? DICOMESH_IMPLEMENTATION_CLASS_UID,
    implementationVersionName: options.implementationVersionName ?? DICOMESH_IMPLEMENTATION_VERSION_NAME,
  };
  const connections = new Set<UpperLayerConnection>();
  const associations = new Set<UpperLayerConnection>();
  const servers: Server[] = [];
  let draining = false;
  let closing = false;

  function handleSocket(socket: Socket): void {
    if (closing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const answerRequest = (rq: AssociateRqPdu): AssociateAcPdu | AssociateRjPdu => {
      if (draining) {
        return rejectPdu(
          RejectResult.Transient,
          RejectSource.ServiceProviderPresentation,
          RejectReason.TemporaryCongestion,
        );
      }
      if (options.maxAssociations !== undefined && associations.size >= options.maxAssociations) {
        return rejectPdu(
          RejectResult.Transient,
          RejectSource.ServiceProviderPresentation,
          RejectReason.LocalLimitExceeded,
        );
      }
      return negotiateAsAcceptor(rq, policy);
    };
    const connection = new UpperLayerConnection({
      side: 'acceptor',
      localMaxPduLength: maxPduLength,
      artimTimeoutMs: options.artimTimeoutMs ?? DEFAULT_ARTIM_TIMEOUT_MS,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      logger,
      negotiate: (rq) => {
        const answer = answerRequest(rq);
        if (answer.type === PduType.AssociateRj && options.onRejected) {
          try {
            options.onRejected({
              callingAeTitle: rq.callingAeTitle,
              calledAeTitle: rq.calledAeTitle,
              remoteAddress: socket.remoteAddress ?? '',
              result: answer.result,
              source: answer.source,
              reason: answer.reason,
            });
          } catch (error) {
            logger.log('error', 'onRejected handler threw', { error: String(error) });
          }
        }
        return answer;
      },
      onEstablished: (association) => {
        associations.add(association);
        association.once('end', () => associations.delete(association));
        options.onAssociation(association);
      },
      onClosed: (c) => {
        connections.delete(c);
        associations.delete(c);
      },
    });
    connections.add(connection);
    logger.log('debug', 'transport connection', {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
    });
    connection.attach(socket);
  }

  return {
    listen(port, host) {
      const server = createServer({ noDelay: true }, handleSocket);
      servers.push(server);
      server.on('error', (error) => logger.log('error', 'listener error', { error: error.message }));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    handleSocket,
    drain() {
      draining = true;
    },
    async close() {
      closing = true;
      draining = true;
      const closedServers = servers
        .splice(0)
        .map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      const all = [...connections];
      for (const c of all) c.shutdown();
      await Promise.all([...closedServers, ...all.map((c) => c.whenClosed())]);
    },
    get associationCount() {
      return associations.size;
    },
    get connectionCount() {
      return connections.size;
    },
  };
}
