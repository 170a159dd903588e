/** @dicomesh/dicom-ul: the DICOM Upper Layer (PS3.8): PDUs, streaming decoder, state machine, acceptor, requestor. */

export { AbortReason, AbortSource, abortReasonName, abortSourceName } from './abort-codes.js';
export {
  type AcceptorOptions,
  type AssociationAcceptor,
  type AssociationRejection,
  createAcceptor,
  DEFAULT_ARTIM_TIMEOUT_MS,
  DEFAULT_MAX_PDU_LENGTH,
} from './association-acceptor.js';
export * from './association-api.js';
export { buildAssociateRq, type RequestOptions, requestAssociation } from './association-requestor.js';
export {
  AssociationAbortedError,
  AssociationRejectedError,
  AssociationTransportError,
  InvalidPrimitiveError,
  PduDecodeError,
} from './errors.js';
export { DICOMESH_IMPLEMENTATION_CLASS_UID, DICOMESH_IMPLEMENTATION_VERSION_NAME } from './implementation.js';
export { DICOM_APPLICATION_CONTEXT_NAME, ItemType, UserIdentityType } from './item-type.js';
export {
  minWindow,
  negotiateAsAcceptor,
  negotiatedAssociation,
  TransferSyntaxPreference,
} from './negotiation.js';
export type * from './pdu.js';
export { decodePdu, decodePduBody, MAX_PRESENTATION_CONTEXTS } from './pdu-decoder.js';
export { encodePdu } from './pdu-encoder.js';
export {
  ASSOCIATE_PDU_MAX_LENGTH,
  FIXED_PDU_LENGTH,
  P_DATA_ALLOWANCE,
  PduStreamDecoder,
  type PduStreamDecoderOptions,
} from './pdu-stream-decoder.js';
export { PDU_HEADER_LENGTH, PDU_TYPE_NAMES, PduType } from './pdu-type.js';
export {
  RejectReason,
  RejectResult,
  RejectSource,
  rejectReasonName,
  rejectResultName,
  rejectSourceName,
} from './reject-codes.js';
export {
  ACTION_TABLE,
  ACTIONS,
  type ActionName,
  EVENT_DESCRIPTIONS,
  EVENTS,
  INVALID_TRANSITIONS,
  type InvalidPair,
  STATE_DESCRIPTIONS,
  STATES,
  type State,
  TRANSITIONS,
  type TransitionOutcome,
  type UlEvent,
  type UlEventName,
  type UpperLayerProvider,
  UpperLayerStateMachine,
} from './state-machine.js';
export type { UlLogger, UlLogLevel } from './ul-logger.js';
