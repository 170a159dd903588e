/**
 * The calling AE's permissions in front of the DIMSE handlers: a request the AE may not make is answered
 * 0x0124 (Refused: Not authorized, PS3.7 C.4.2 general status) without reaching a backend. C-ECHO is always
 * allowed. The check runs at each request, so a permission granted or revoked applies to open associations.
 */

import { type DimseHandlers, Status } from '@dicomesh/dimse';
import { AeOperation } from '@dicomesh/k8s-registry';

/** PS3.7 C.4.2: the comment sent with a refusal (LO: 64 characters at most). */
function refusal(callingAeTitle: string, operation: AeOperation) {
  return {
    status: Status.NotAuthorized,
    errorComment: `${callingAeTitle} may not ${operation}`.slice(0, 64),
  };
}

export type PermissionCheck = (callingAeTitle: string, operation: AeOperation) => boolean;

/** `handlers`, with store, find, move and get refused unless `allows` grants them to `callingAeTitle`. */
export function guardHandlers(
  handlers: DimseHandlers,
  callingAeTitle: string,
  allows: PermissionCheck,
): DimseHandlers {
  const { cStore, cFind, cMove, cGet } = handlers;
  return {
    ...handlers,
    ...(cStore && {
      cStore: (rq, ctx) =>
        allows(callingAeTitle, AeOperation.Store)
          ? cStore(rq, ctx)
          : Promise.resolve(refusal(callingAeTitle, AeOperation.Store)),
    }),
    ...(cFind && {
      cFind: (rq, ctx) =>
        allows(callingAeTitle, AeOperation.Find) ? cFind(rq, ctx) : refused(callingAeTitle, AeOperation.Find),
    }),
    ...(cMove && {
      cMove: (rq, ctx) =>
        allows(callingAeTitle, AeOperation.Move) ? cMove(rq, ctx) : refused(callingAeTitle, AeOperation.Move),
    }),
    ...(cGet && {
      cGet: (rq, ctx) =>
        allows(callingAeTitle, AeOperation.Get) ? cGet(rq, ctx) : refused(callingAeTitle, AeOperation.Get),
    }),
  };
}

/** A streaming handler's refusal: no Pending response, the final one 0x0124. */
// biome-ignore lint/correctness/useYield: refused before the first match or sub-operation
async function* refused(callingAeTitle: string, operation: AeOperation) {
  return refusal(callingAeTitle, operation);
}
