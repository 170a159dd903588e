/** @dicomesh/dimse: DIMSE messages (PS3.7), fragmenting and reassembly, the SCU client and the SCP dispatcher. */
export { AssociationWriter, writerFor } from './association-writer.js';
export {
  CommandElement,
  type CommandElementKey,
  type CommandSet,
  formatTag,
} from './command-elements.js';
export {
  CommandDataSetType,
  CommandField,
  CommandName,
  commandName,
  isCommandField,
  isResponse,
  Priority,
} from './command-field.js';
export { decodeCommandSet, encodeCommandSet, hasDataSet } from './command-set.js';
export {
  type ConnectScuOptions,
  connectScu,
  DEFAULT_TRANSFER_SYNTAXES,
  queryRetrieveContexts,
  type ScuContext,
  type ScuRole,
  storageContexts,
  storageScpRoles,
  verificationContext,
} from './connect-scu.js';
export {
  channelFor,
  collectDataSet,
  DimseChannel,
  type DimseChannelOptions,
  type IncomingRequest,
  type IncomingResponse,
  type OutgoingMessage,
  type RequestHandler,
} from './dimse-channel.js';
export {
  DimseClient,
  type DimseClientOptions,
  type DimseResponse,
  expectSuccess,
  type FindOperation,
  type FindResponse,
  type ModelOrSopClass,
  type RetrieveOperation,
  type RetrieveResponse,
  type StoreOptions,
} from './dimse-client.js';
export { type DimseLogFields, type DimseLogger, silentDimseLogger } from './dimse-logger.js';
export { createDimseScp, type DimseScp, storeSubOperation } from './dimse-scp.js';
export {
  AssociationEndedError,
  CommandSetError,
  DimseProtocolError,
  DimseStatusError,
  NoPresentationContextError,
} from './errors.js';
export {
  type DataSetSource,
  fragmentMessage,
  MAX_BATCH_BYTES,
  maxFragmentSize,
  PDV_OVERHEAD,
} from './message-fragmenter.js';
export { MessageReassembler, type ReassembledMessage } from './message-reassembler.js';
export * from './messages.js';
export type * from './scp-handlers.js';
export {
  isStorageSopClass,
  QueryRetrieveModel,
  QueryRetrieveSopClass,
  STORAGE_SOP_CLASSES,
  StorageSopClass,
  VerificationSopClass,
} from './sop-classes.js';
export {
  formatStatus,
  GeneralStatuses,
  isPending,
  ServiceClass,
  ServiceClassStatuses,
  Status,
  StatusCategory,
  statusCategory,
  statusMeaning,
} from './status.js';
