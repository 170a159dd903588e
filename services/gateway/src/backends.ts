/** The gRPC backends the gateway forwards DIMSE requests to, and the deadline of each call. */
import { createClient, VerificationClient } from '@dicomesh/rpc';

export interface Backends {
  readonly verification: VerificationClient;
  /** Deadline of one backend call serving one DIMSE request. */
  readonly deadlineMs: number;
  close(): void;
}

export interface BackendTargets {
  /** gRPC target, `host:port` or `dns:///name:port`. */
  readonly verificationUrl: string;
  readonly deadlineMs: number;
}

export function connectBackends(targets: BackendTargets): Backends {
  const verification = createClient(VerificationClient, targets.verificationUrl, {
    defaultDeadlineMs: targets.deadlineMs,
  });
  return {
    verification,
    deadlineMs: targets.deadlineMs,
    close: () => verification.close(),
  };
}
