/** The gRPC backends the gateway forwards DIMSE requests to, and the deadline of each call. */
import {
  createClient,
  QueryClient,
  type RetrieveClient,
  RetrieveClientWithChunkCodec,
  StorageClient,
  VerificationClient,
} from '@dicomesh/rpc';

export interface Backends {
  readonly verification: VerificationClient;
  readonly storage: StorageClient;
  readonly query: QueryClient;
  readonly retrieve: RetrieveClient;
  /** Deadline of one backend call serving one DIMSE request; for a C-STORE, the longest wait without progress. */
  readonly deadlineMs: number;
  close(): void;
}

export interface BackendTargets {
  /** gRPC targets, `host:port` or `dns:///name:port`. */
  readonly verificationUrl: string;
  readonly storageUrl: string;
  /** The query service; default `DEFAULT_QUERY_URL` (its default port on this host). */
  readonly queryUrl?: string;
  /** The retrieve service; default `DEFAULT_RETRIEVE_URL`. */
  readonly retrieveUrl?: string;
  readonly deadlineMs: number;
}

/** The query service's default gRPC port on loopback (its DICOMESH_GRPC_PORT default). */
export const DEFAULT_QUERY_URL = '127.0.0.1:50053';
/** The retrieve service's default gRPC port on loopback (its DICOMESH_GRPC_PORT default). */
export const DEFAULT_RETRIEVE_URL = '127.0.0.1:50054';

export function connectBackends(targets: BackendTargets): Backends {
  const verification = createClient(VerificationClient, targets.verificationUrl, {
    defaultDeadlineMs: targets.deadlineMs,
  });
  // No default deadline for the store stream: its watchdog bounds each wait instead (large objects take long).
  const storage = createClient(StorageClient, targets.storageUrl, { defaultDeadlineMs: 0 });
  // No deadline for a find stream either: a C-FIND with thousands of matches lasts as long as the SCU
  // reads them; C-CANCEL and the association's end cancel it.
  const query = createClient(QueryClient, targets.queryUrl ?? DEFAULT_QUERY_URL, { defaultDeadlineMs: 0 });
  // A move or get lasts as long as its sub-operations: C-CANCEL and the association's end cancel it.
  const retrieve = createClient(RetrieveClientWithChunkCodec, targets.retrieveUrl ?? DEFAULT_RETRIEVE_URL, {
    defaultDeadlineMs: 0,
  });
  return {
    verification,
    storage,
    query,
    retrieve,
    deadlineMs: targets.deadlineMs,
    close: () => {
      verification.close();
      storage.close();
      query.close();
      retrieve.close();
    },
  };
}
