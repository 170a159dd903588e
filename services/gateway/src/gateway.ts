/**
 * The gateway: a DICOM listener whose associations are served by the backends over gRPC.
 * `drain()` answers new associations with a transient A-ASSOCIATE-RJ while open ones finish.
 */
import { randomUUID } from 'node:crypto';
import {
  type AssociationAcceptor,
  createAcceptor,
  TransferSyntaxPreference,
  type UlLogger,
} from '@dicomesh/dicom-ul';
import type { AssociationEvents } from '@dicomesh/events';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { type Tracer, trace } from '@opentelemetry/api';
import { startAssociationSession } from './association-session.js';
import type { Backends } from './backends.js';
import { findExtendedNegotiation } from './find-handler.js';
import { type GatewayMetrics, gatewayMetrics } from './gateway-metrics.js';
import type { PermissionCheck } from './permission-guard.js';
import { presentationPolicy } from './presentation-policy.js';
import { selectRole } from './role-selection.js';
import { startTlsListener, type TlsListener, type TlsListenerOptions } from './tls-listener.js';

export interface GatewayOptions {
  readonly aeTitle: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Calling AE titles accepted; undefined: any. The acceptor reads this array at each request (kept current by a CallingAePolicy). */
  readonly allowedCallingAeTitles?: readonly string[] | undefined;
  /** What each calling AE may do (store, find, move, get); undefined: everything. */
  readonly permissions?: PermissionCheck | undefined;
  readonly maxPduLength: number;
  readonly artimTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxAssociations: number;
  /** Accept SOP classes we do not know as storage (private ones). */
  readonly acceptUnknownSopClasses: boolean;
  readonly backends: Backends;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
  readonly metrics?: GatewayMetrics;
  /** Association opened/closed/rejected/aborted events; none when unset. */
  readonly events?: AssociationEvents;
  /** A second, DICOM TLS listener (PS3.15 Annex B) for the same acceptor; none when unset. */
  readonly tls?: TlsListenerOptions;
}

export interface Gateway {
  /** The DICOM port actually listened on. */
  readonly port: number;
  /** The DICOM TLS port actually listened on, when there is one. */
  readonly tlsPort: number | undefined;
  readonly acceptor: AssociationAcceptor;
  /** New associations are rejected transiently; resolves when the open ones have ended or `graceMs` passed. */
  drain(graceMs: number): Promise<void>;
  /** Stops listening, aborts what is open, closes the backend clients. */
  close(): Promise<void>;
}

/** The Upper Layer logs through the service's structured logger. */
function ulLogger(logger: Logger): UlLogger {
  return {
    log: (level, msg, fields) => logger[level](msg, fields),
    isDebugEnabled: () => logger.isDebugEnabled(),
  };
}

const DRAIN_POLL_MS = 100;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? createLogger('gateway');
  const deps = {
    backends: options.backends,
    tracer: options.tracer ?? trace.getTracer('@dicomesh/gateway'),
    metrics: options.metrics ?? gatewayMetrics(),
    logger,
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.permissions === undefined ? {} : { permissions: options.permissions }),
  };
  const acceptor = createAcceptor({
    aeTitle: options.aeTitle,
    ...(options.allowedCallingAeTitles ? { allowedCallingAeTitles: options.allowedCallingAeTitles } : {}),
    transferSyntaxesFor: presentationPolicy({ acceptUnknownSopClasses: options.acceptUnknownSopClasses }),
    transferSyntaxPreference: TransferSyntaxPreference.Requestor,
    // C-GET: the SCP role for storage SOP classes, so sub-operations go back on the association.
    selectRole,
    // Relational queries (PS3.4 C.4.1.2.2) for the FIND SOP classes, when the SCU asks for them.
    extendedNegotiation: findExtendedNegotiation,
    maxPduLength: options.maxPduLength,
    artimTimeoutMs: options.artimTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    maxAssociations: options.maxAssociations,
    logger: ulLogger(createLogger('dicom-ul')),
    onAssociation: (association) => startAssociationSession(association, deps),
    onRejected: (rejection) => {
      void options.events?.rejected({
        associationId: randomUUID(),
        callingAeTitle: rejection.callingAeTitle,
        calledAeTitle: rejection.calledAeTitle,
        remoteAddress: rejection.remoteAddress,
        at: new Date().toISOString(),
        detail: { result: rejection.result, source: rejection.source, reason: rejection.reason },
      });
    },
  });
  const address = await acceptor.listen(options.port, options.host);
  logger.info('gateway listening', { host: options.host, port: address.port, aeTitle: options.aeTitle });
  let tls: TlsListener | undefined;
  try {
    tls = options.tls && (await startTlsListener(options.tls, acceptor.handleSocket, logger));
  } catch (error) {
    await acceptor.close();
    throw error;
  }

  return {
    port: address.port,
    tlsPort: tls?.port,
    acceptor,
    async drain(graceMs) {
      acceptor.drain();
      logger.info('draining', { open: acceptor.associationCount, graceMs });
      const deadline = Date.now() + graceMs;
      while (acceptor.associationCount > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
    },
    async close() {
      await Promise.all([tls?.close(), acceptor.close()]);
      options.backends.close();
      logger.info('gateway stopped', { port: address.port });
    },
  };
}
