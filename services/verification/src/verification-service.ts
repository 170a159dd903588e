import {
  type EchoRequest,
  type EchoResponse,
  RpcError,
  tracedUnary,
  type VerificationServer,
  VerificationServiceDefinition,
} from '@dicomesh/rpc';
import { createLogger, defaultRegistry, type Logger } from '@dicomesh/telemetry';
import type { Tracer } from '@opentelemetry/api';

/** DIMSE status Success (PS3.7 C.1). The Verification SOP Class has no other outcome. */
export const ECHO_SUCCESS = 0x0000;

const echoes = defaultRegistry.counter({
  name: 'dicomesh_verification_echo_total',
  help: 'C-ECHO requests answered by the verification service.',
  labelNames: ['calling_ae'],
});

export interface VerificationServiceOptions {
  readonly logger?: Logger;
  readonly tracer?: Tracer;
}

/** Answers one C-ECHO: the request is well formed when it names its association; the answer is Success. */
export async function echo(request: EchoRequest, logger: Logger): Promise<EchoResponse> {
  const context = request.context;
  if (context === undefined) throw RpcError.of('invalid', 'EchoRequest.context is required');
  logger.info('C-ECHO answered', {
    associationId: context.associationId,
    callingAe: context.callingAeTitle,
    calledAe: context.calledAeTitle,
    remoteAddress: context.remoteAddress,
    messageId: context.messageId,
    status: ECHO_SUCCESS,
  });
  echoes.inc({ calling_ae: context.callingAeTitle });
  return { status: ECHO_SUCCESS };
}

/** The grpc-js handlers of `dicomesh.v1.Verification`, each in a SERVER span that continues the caller's trace. */
export function createVerificationService(options: VerificationServiceOptions = {}): VerificationServer {
  const logger = options.logger ?? createLogger('verification');
  return {
    echo: tracedUnary(
      VerificationServiceDefinition.echo.path.slice(1),
      (request: EchoRequest) => echo(request, logger),
      {
        ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
      },
    ),
  };
}
