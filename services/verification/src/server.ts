import {
  type BackendListenOptions,
  type BackendServerHandle,
  listenOptions,
  startBackendServer,
  VerificationClient,
  VerificationServiceDefinition,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';
import { createVerificationService } from './verification-service.js';

/** The health service name of this backend (what a probe with `service` set asks about). */
export const VERIFICATION_SERVICE = VerificationClient.serviceName;

export interface VerificationServerOptions extends BackendListenOptions {
  readonly tracer?: Tracer;
  readonly logger?: Logger;
  /** On close, how long running calls may finish before they are cancelled (default 10 s). */
  readonly shutdownGraceMs?: number;
  /** See `createServer` of @dicomesh/rpc (default 5 minutes). */
  readonly maxConnectionAgeMs?: number;
}

/** The running server: its port, its health, and `close()` (NOT_SERVING at once, then drain and stop). */
export type VerificationServerHandle = BackendServerHandle;

/**
 * Starts the Verification gRPC server with grpc.health.v1. Health turns SERVING (for the server and for
 * `dicomesh.v1.Verification`) only once the port is bound.
 */
export async function startVerificationServer(
  options: VerificationServerOptions,
): Promise<VerificationServerHandle> {
  const logger = options.logger ?? createLogger('verification');
  return startBackendServer({
    name: 'verification',
    healthName: VERIFICATION_SERVICE,
    definition: VerificationServiceDefinition,
    implementation: createVerificationService({
      logger,
      ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    }),
    ...listenOptions(options),
    logger,
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
    ...(options.maxConnectionAgeMs === undefined ? {} : { maxConnectionAgeMs: options.maxConnectionAgeMs }),
  });
}
