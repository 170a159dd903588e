/** @dicomesh/retrieve: C-MOVE and C-GET (PS3.4 Annex C) from the index and blob store, behind `dicomesh.v1.Retrieve`. */
export {
  DestinationAssociation,
  type DestinationOptions,
  type RemoteDestination,
} from './destination-association.js';
export {
  checkDestinationTls,
  type DestinationTls,
  type DestinationTlsFiles,
  destinationTls,
  destinationTlsOrExit,
} from './destination-tls.js';
export { RetrieveFailedError, SubOperationError } from './errors.js';
export { moveDestinations } from './move-destinations.js';
export { buildRetrieveSql, type RetrievableInstance, resolveInstances } from './resolve-instances.js';
export {
  type KeyCondition,
  modelOf,
  parseRetrieveKeys,
  type RetrieveKeys,
  RetrieveLevel,
  RetrieveModel,
  UNIQUE_KEY,
} from './retrieve-keys.js';
export type { DestinationRegistry, RetrieveServiceOptions } from './retrieve-options.js';
export { createRetrieveService } from './retrieve-service.js';
export { MAX_SUB_OPERATIONS, RetrieveStatus, subOperationOutcome } from './retrieve-status.js';
export { BLOBS_DIRECTORY, moveTlsFiles, runRetrieve } from './run-retrieve.js';
export {
  RETRIEVE_SERVICE,
  type RetrieveServerHandle,
  type RetrieveServerOptions,
  startRetrieveServer,
} from './server.js';
export { SubOperationTally } from './sub-operation-tally.js';
export { chooseSyntax, proposedContexts, UNCOMPRESSED_TRANSFER_SYNTAXES } from './syntax-choice.js';
