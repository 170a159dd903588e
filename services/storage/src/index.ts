export { StoreCancelledError, StoreFailedError } from './errors.js';
export {
  DEFAULT_MAX_ATTRIBUTE_BYTES,
  DEFAULT_MAX_VALUE_LENGTH,
  ObjectParser,
  type ObjectParserOptions,
  type ParsedObject,
} from './object-parser.js';
export { runStorage } from './run-storage.js';
export {
  STORAGE_SERVICE,
  type StorageServerHandle,
  type StorageServerOptions,
  startStorageServer,
} from './server.js';
export {
  BLOBS_DIRECTORY,
  openStorageRuntime,
  type StorageRuntime,
  type StorageRuntimeOptions,
} from './storage-runtime.js';
export { createStorageService, failureResponse, type StorageServiceOptions } from './store-handler.js';
export {
  type OutboxNotifier,
  type StorePipelineOptions,
  type StoreResult,
  storeObject,
  validateHeader,
} from './store-pipeline.js';
