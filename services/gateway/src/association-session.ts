/**
 * One accepted association: its span and log fields, the SCP dispatcher with the gateway's handlers,
 * and the metrics of its life.
 */
import type { Association } from '@dicomesh/dicom-ul';
import { createDimseScp, type DimseHandlers } from '@dicomesh/dimse';
import type { AssociationEvent, AssociationEvents } from '@dicomesh/events';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { Backends } from './backends.js';
import { echoHandler } from './echo-handler.js';
import { findHandler } from './find-handler.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { getHandler } from './get-handler.js';
import { moveHandler } from './move-handler.js';
import { guardHandlers, type PermissionCheck } from './permission-guard.js';
import { storeHandler } from './store-handler.js';

export interface SessionDeps {
  readonly backends: Backends;
  readonly tracer: Tracer;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** `dicomesh.v1.association.*` events (best effort: never delay or fail the association). */
  readonly events?: AssociationEvents;
  /** What the calling AE may do; store, find, move and get it may not are refused 0x0124 (undefined: all). */
  readonly permissions?: PermissionCheck;
}

const ABORT_REASONS: ReadonlySet<string> = new Set([
  'aborted-by-us',
  'aborted-by-peer',
  'artim-expired',
  'protocol-error',
]);

const allowAll: PermissionCheck = () => true;

export function startAssociationSession(association: Association, deps: SessionDeps): void {
  const { callingAeTitle, calledAeTitle } = association.negotiated;
  const logger = deps.logger.child({ associationId: association.id, callingAe: callingAeTitle });
  const span = deps.tracer.startSpan('dicom association', {
    kind: SpanKind.SERVER,
    attributes: {
      'dicom.association.id': association.id,
      'dicom.calling_ae': callingAeTitle,
      'dicom.called_ae': calledAeTitle,
      'dicom.remote_address': association.remoteAddress,
    },
  });
  const scopeDeps = {
    tracer: deps.tracer,
    metrics: deps.metrics,
    associationLink: { context: span.spanContext() },
  };
  const guard = (handlers: DimseHandlers) =>
    guardHandlers(handlers, callingAeTitle, deps.permissions ?? allowAll);
  createDimseScp(association, {
    handlers: guard({
      cEcho: echoHandler(deps.backends, scopeDeps),
      cStore: storeHandler(deps.backends, scopeDeps),
      cFind: findHandler(deps.backends, scopeDeps),
      cMove: moveHandler(deps.backends, scopeDeps),
      cGet: getHandler(deps.backends, scopeDeps),
    }),
    // Under its own module name, so DICOMESH_DEBUG=dimse switches its debug lines on.
    logger: createLogger('dimse', { associationId: association.id }),
  });
  const event = (detail?: AssociationEvent['detail']): AssociationEvent => ({
    associationId: association.id,
    callingAeTitle,
    calledAeTitle,
    remoteAddress: association.remoteAddress,
    at: new Date().toISOString(),
    ...(detail === undefined ? {} : { detail }),
  });
  void deps.events?.opened(event());
  deps.metrics.associationsOpen.inc({ calling_ae: callingAeTitle });
  logger.info('association opened', {
    calledAe: calledAeTitle,
    remote: `${association.remoteAddress}:${association.remotePort}`,
    contexts: association.negotiated.contexts.size,
    peerMaxPduLength: association.negotiated.peerMaxPduLength,
  });
  association.once('end', (end) => {
    deps.metrics.associationsOpen.dec({ calling_ae: callingAeTitle });
    deps.metrics.associationsTotal.inc({ outcome: end.reason });
    span.setAttribute('dicom.association.end', end.reason);
    if (ABORT_REASONS.has(end.reason)) {
      void deps.events?.aborted(
        event({
          reason: end.reason,
          ...(end.abortSource === undefined ? {} : { abortSource: end.abortSource }),
          ...(end.abortReason === undefined ? {} : { abortReason: end.abortReason }),
        }),
      );
    } else {
      void deps.events?.closed(event({ reason: end.reason }));
    }
    span.end();
    logger.info('association ended', {
      reason: end.reason,
      ...(end.abortSource === undefined
        ? {}
        : { abortSource: end.abortSource, abortReason: end.abortReason }),
      ...(end.error ? { error: end.error.message } : {}),
    });
  });
}
