/** The association requestor: opens a TCP connection, sends A-ASSOCIATE-RQ and yields the established Association. */
import { connect, isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { AbortReason, AbortSource } from './abort-codes.js';
import { DEFAULT_ARTIM_TIMEOUT_MS, DEFAULT_MAX_PDU_LENGTH } from './association-acceptor.js';
import type { Association } from './association-api.js';
import { AssociationAbortedError, AssociationTransportError } from './errors.js';
import { DICOMESH_IMPLEMENTATION_CLASS_UID, DICOMESH_IMPLEMENTATION_VERSION_NAME } from './implementation.js';
import { DICOM_APPLICATION_CONTEXT_NAME } from './item-type.js';
import type { AssociateRqPdu } from './pdu.js';
import { MAX_PRESENTATION_CONTEXTS } from './pdu-decoder.js';
import { PduType } from './pdu-type.js';
import { resolveLogger, type UlLogger } from './ul-logger.js';
import { UpperLayerConnection } from './upper-layer-connection.js';

export interface RequestOptions {
  host: string;
  port: number;
  callingAeTitle: string;
  calledAeTitle: string;
  /** Context IDs are assigned 1, 3, 5... in this order. */
  presentationContexts: readonly { abstractSyntax: string; transferSyntaxes: readonly string[] }[];
  roleSelection?: readonly { sopClassUid: string; scu: boolean; scp: boolean }[];
  extendedNegotiation?: readonly { sopClassUid: string; info: Buffer }[];
  userIdentity?: {
    type: number;
    primaryField: Buffer;
    secondaryField?: Buffer;
    positiveResponseRequested?: boolean;
  };
  /** Largest P-DATA-TF variable field we accept; default 262144. */
  maxPduLength?: number;
  /** Asynchronous operations window proposed (invoked by us); sent only when given. Performed is proposed as 1. */
  maxOperationsInvoked?: number;
  /** Defaults 10000 / 30000. */
  connectTimeoutMs?: number;
  acseTimeoutMs?: number;
  implementationClassUid?: string;
  implementationVersionName?: string;
  logger?: UlLogger;
  /** ARTIM for the release/abort waits; default 10000. */
  artimTimeoutMs?: number;
  /**
   * DICOM TLS (PS3.15 B.1): the association goes over TLS with these options (ca, key, cert...), at least TLS
   * 1.2, the server's certificate checked against `ca` (or Node's trusted CAs) and the host name.
   */
  tls?: ConnectionOptions;
}

/** BCP 195, which PS3.15 B.9 points to: no TLS before 1.2. */
const MIN_TLS_VERSION = 'TLSv1.2';

export function buildAssociateRq(options: RequestOptions): AssociateRqPdu {
  if (
    options.presentationContexts.length === 0 ||
    options.presentationContexts.length > MAX_PRESENTATION_CONTEXTS
  ) {
    throw new RangeError(
      `presentationContexts: ${options.presentationContexts.length} given, 1..${MAX_PRESENTATION_CONTEXTS} allowed`,
    );
  }
  return {
    type: PduType.AssociateRq,
    protocolVersion: 1,
    calledAeTitle: options.calledAeTitle,
    callingAeTitle: options.callingAeTitle,
    applicationContext: DICOM_APPLICATION_CONTEXT_NAME,
    presentationContexts: options.presentationContexts.map((pc, i) => ({
      id: 2 * i + 1,
      abstractSyntax: pc.abstractSyntax,
      transferSyntaxes: pc.transferSyntaxes,
    })),
    userInformation: {
      maxLength: options.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH,
      implementationClassUid: options.implementationClassUid ?? DICOMESH_IMPLEMENTATION_CLASS_UID,
      ...(options.maxOperationsInvoked !== undefined
        ? {
            asyncOperationsWindow: {
              maxOperationsInvoked: options.maxOperationsInvoked,
              maxOperationsPerformed: 1,
            },
          }
        : {}),
      roleSelection: options.roleSelection ?? [],
      implementationVersionName: options.implementationVersionName ?? DICOMESH_IMPLEMENTATION_VERSION_NAME,
      extendedNegotiation: options.extendedNegotiation ?? [],
      commonExtendedNegotiation: [],
      ...(options.userIdentity
        ? {
            userIdentity: {
              type: options.userIdentity.type,
              positiveResponseRequested: options.userIdentity.positiveResponseRequested ?? false,
              primaryField: options.userIdentity.primaryField,
              secondaryField: options.userIdentity.secondaryField ?? Buffer.alloc(0),
            },
          }
        : {}),
    },
  };
}

/** Request an association; rejects with AssociationRejectedError, AssociationAbortedError or AssociationTransportError. */
export async function requestAssociation(options: RequestOptions): Promise<Association> {
  const request = buildAssociateRq(options);
  // Loaded only for TLS: the SCU tools start faster without it (every millisecond of a short store run counts).
  const tls = options.tls === undefined ? undefined : await import('node:tls');
  const transportReady = tls === undefined ? 'connect' : 'secureConnect';
  const logger = resolveLogger(options.logger);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const acseTimeoutMs = options.acseTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    /** Set when we abort the attempt ourselves, to say why (connect or ACSE timeout). */
    let failure: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      fn();
    };
    const connection = new UpperLayerConnection({
      side: 'requestor',
      localMaxPduLength: request.userInformation.maxLength ?? DEFAULT_MAX_PDU_LENGTH,
      artimTimeoutMs: options.artimTimeoutMs ?? DEFAULT_ARTIM_TIMEOUT_MS,
      idleTimeoutMs: 0,
      logger,
      request,
      connectedEvent: transportReady,
      connect: () => {
        const socket =
          tls === undefined
            ? connect({ host: options.host, port: options.port, noDelay: true })
            : tls.connect({
                minVersion: MIN_TLS_VERSION,
                ...options.tls,
                host: options.host,
                port: options.port,
                // SNI takes a host name, never an address.
                ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
              });
        timer = setTimeout(() => {
          if (connection.state === 'Sta4') {
            failure = new AssociationTransportError(
              options.host,
              options.port,
              `connect timeout after ${connectTimeoutMs} ms`,
            );
            connection.abort(AbortSource.ServiceUser, AbortReason.NotSpecified);
          }
        }, connectTimeoutMs);
        socket.once(transportReady, () => {
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => {
            failure = new AssociationAbortedError(AbortSource.ServiceUser, AbortReason.NotSpecified, {
              detail: `no A-ASSOCIATE-AC/RJ within ${acseTimeoutMs} ms`,
            });
            connection.abort(AbortSource.ServiceUser, AbortReason.NotSpecified);
          }, acseTimeoutMs);
        });
        return socket;
      },
      onEstablished: (association) => settle(() => resolve(association)),
      onFailed: (error, reason, socketError) =>
        settle(() =>
          reject(
            failure ??
              (reason === 'transport-closed' && socketError
                ? new AssociationTransportError(options.host, options.port, socketError.message, {
                    cause: socketError,
                  })
                : error),
          ),
        ),
    });
    connection.start();
  });
}
