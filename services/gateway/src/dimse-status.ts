/** The one place where backend failures become DIMSE statuses. */
import type { DimseResult } from '@dicomesh/dimse';
import { RpcError } from '@dicomesh/rpc';

/** PS3.7 C.4.2: Processing failure, the general failure when a backend cannot serve the request. */
export const PROCESSING_FAILURE = 0x0110;
/** PS3.4 B.2.3: Refused: Out of Resources, the storage failure when the object could not be kept. */
export const OUT_OF_RESOURCES = 0xa700;

/** A backend call that failed, as a DIMSE failure with a short comment (LO: 64 characters at most). */
export function backendFailure(backend: string, error: unknown): DimseResult {
  const what = error instanceof RpcError ? error.kind : 'failed';
  return { status: PROCESSING_FAILURE, errorComment: `${backend} service ${what}`.slice(0, 64) };
}
