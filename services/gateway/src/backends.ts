/** The gRPC backends the gateway forwards DIMSE requests to, and the deadline of each call. */
import { createClient, StorageClient, VerificationClient } from '@dicomesh/rpc';

export interface Backends {
  readonly verification: VerificationClient;
  readonly storage: StorageClient;
  /** Deadline of one backend call serving one DIMSE request; for a C-STORE, the longest wait without progress. */
  readonly deadlineMs: number;
  close(): void;
}

export interface BackendTargets {
  /** gRPC targets, `host:port` or `dns:///name:port`. */
  readonly verificationUrl: string;
  readonly storageUrl: string;
  readonly deadlineMs: number;
}

export function connectBackends(targets: BackendTargets): Backends {
  const verification = createClient(VerificationClient, targets.verificationUrl, {
    defaultDeadlineMs: targets.deadlineMs,
  });
  // No default deadline for the store stream: its watchdog bounds each wait instead (large objects take long).
  const storage = createClient(StorageClient, targets.storageUrl, { defaultDeadlineMs: 0 });
  return {
    verification,
    storage,
    deadlineMs: targets.deadlineMs,
    close: () => {
      verification.close();
      storage.close();
    },
  };
}
