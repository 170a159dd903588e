/** What the retrieve service is built from (the same for C-MOVE and C-GET). */
import type { BlobStore, SqlClient } from '@dicomesh/archive';
import type { EventPublisher } from '@dicomesh/events';
import type { Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import type { RemoteDestination } from './destination-association.js';
import type { DestinationTls } from './destination-tls.js';

/** Where move destinations are looked up (libs/config's AE file registry, or libs/k8s-registry's). */
export interface DestinationRegistry {
  lookup(aeTitle: string): RemoteDestination | undefined;
}

export interface RetrieveServiceOptions {
  /** The index (read only). */
  readonly sql: SqlClient;
  readonly blobStore: BlobStore;
  readonly destinations: DestinationRegistry;
  /** Calling AE title of our associations to move destinations; unset: the AE title the SCU called. */
  readonly aeTitle?: string | undefined;
  /** TLS options for destinations registered with `tls` (unset: Node's trusted CAs, no client certificate). */
  readonly destinationTls?: DestinationTls;
  /** Longest wait without progress in one sub-operation (also bounds A-ASSOCIATE and A-RELEASE). */
  readonly subOperationTimeoutMs: number;
  /** `dicomesh.v1.retrieve.completed` goes here (best effort); none when unset. */
  readonly publisher?: EventPublisher;
  readonly tracer?: Tracer;
  /**
   * A span per C-MOVE sub-operation (default true). Off when no exporter takes spans (Telemetry.exporting):
   * they never become the active span, so no log line carries their IDs, and each costs the event loop
   * about 20 µs of every object.
   */
  readonly subOperationSpans?: boolean;
  readonly logger?: Logger;
}
