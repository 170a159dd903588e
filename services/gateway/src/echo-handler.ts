/** C-ECHO: forwarded to the verification service (`Verification.Echo`), answered with its status. */
import type { CEchoHandler } from '@dicomesh/dimse';
import { EchoRequest, unaryCall } from '@dicomesh/rpc';
import { DimseCommand } from '@dicomesh/telemetry';
import { associationContext } from './association-context.js';
import type { Backends } from './backends.js';
import { type SpanScopeDeps, withDimseSpan } from './dimse-span-scope.js';
import { backendFailure } from './dimse-status.js';

export function echoHandler(backends: Backends, deps: SpanScopeDeps): CEchoHandler {
  const echo = backends.verification.echo.bind(backends.verification);
  return (rq, ctx) =>
    withDimseSpan(
      deps,
      DimseCommand.CEcho,
      ctx,
      { messageId: rq.messageId, sopClassUid: rq.affectedSopClassUid },
      async () => {
        try {
          const request = EchoRequest.fromPartial({
            context: associationContext(ctx.association, rq.messageId),
          });
          const response = await unaryCall(
            echo,
            request,
            { deadlineMs: backends.deadlineMs, signal: ctx.signal },
            'Verification/Echo',
          );
          return { status: response.status };
        } catch (error) {
          ctx.logger.warn('verification backend failed', { messageId: rq.messageId, error: String(error) });
          return backendFailure('verification', error);
        }
      },
    );
}
