// Generated messages, clients and service definitions (ts-proto; see proto/).

export {
  type CallOptions,
  connectivityState,
  Metadata,
  type Server,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';
export {
  type BackendListenOptions,
  type BackendServerHandle,
  type BackendServerLogger,
  type BackendServerOptions,
  bindAddress,
  DEFAULT_SHUTDOWN_GRACE_MS,
  listenOptions,
  startBackendServer,
} from './backend-server.js';
export {
  type CallSettings,
  type ClientConstructor,
  type ClientOptions,
  createClient,
  DEFAULT_DEADLINE_MS,
  type UnaryMethod,
  unaryCall,
} from './client.js';
export { AssociationContext } from './generated/dicomesh/v1/common.js';
export {
  FindFinal,
  FindMatch,
  FindRequest,
  FindResponse,
  InformationModel,
  QueryClient,
  type QueryServer,
  QueryService as QueryServiceDefinition,
} from './generated/dicomesh/v1/query.js';
export {
  GetHeader,
  GetInstance,
  GetInstanceEnd,
  GetRequest,
  GetResponse,
  GetSubOperationResult,
  MoveHeader,
  MoveRequest,
  MoveResponse,
  RetrieveCancel,
  RetrieveClient,
  RetrieveFinal,
  RetrieveQuery,
  type RetrieveServer,
  StorageContext,
  SubOperationCounts as RetrieveCounts,
} from './generated/dicomesh/v1/retrieve.js';
export {
  StorageClient,
  type StorageServer,
  StoreEnd,
  StoreHeader,
  StoreRequest,
  StoreResponse,
} from './generated/dicomesh/v1/storage.js';
export {
  EchoRequest,
  EchoResponse,
  VerificationClient,
  type VerificationServer,
  VerificationService as VerificationServiceDefinition,
} from './generated/dicomesh/v1/verification.js';
export {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthClient,
  HealthService as HealthServiceDefinition,
} from './generated/grpc/health/v1/health.js';
export {
  chunkCopied,
  deserializeGetResponse,
  RetrieveClientWithChunkCodec,
  RetrieveServiceWithChunkCodec as RetrieveServiceDefinition,
  serializeGetResponse,
} from './get-chunk-codec.js';
export { HealthService, OVERALL_HEALTH, ServingStatus } from './health-service.js';
export {
  RpcError,
  RpcErrorKind,
  type RpcErrorOptions,
  rpcErrorKind,
  toRpcError,
  toServerStatus,
} from './rpc-error.js';
export {
  createServer,
  DEFAULT_MAX_CONNECTION_AGE_MS,
  type ServerOptions,
  serverChannelOptions,
  startServer,
  stopServer,
} from './server.js';
export {
  deserializeStoreRequest,
  encodeStoreChunk,
  StorageServiceWithChunkCodec as StorageServiceDefinition,
} from './store-chunk-codec.js';
export {
  SCAVENGE_CEILING_BYTES,
  SCAVENGE_EVERY_BYTES,
  SCAVENGE_FLOOR_BYTES,
  type StreamedBytes,
  startStreamedBytes,
} from './streamed-bytes-scavenger.js';
export {
  type BidiStreamHandler,
  type ClientStreamHandler,
  extractTraceContext,
  injectTraceContext,
  type ServerStreamHandler,
  type TracedHandlerOptions,
  traceContextInterceptor,
  tracedBidiStream,
  tracedClientStream,
  tracedServerStream,
  tracedUnary,
  type UnaryHandler,
} from './trace-context.js';
