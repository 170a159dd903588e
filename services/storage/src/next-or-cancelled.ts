/**
 * One wait for a call's next request that a cancel ends at once, even when the destroyed stream's async
 * iterator never settles (seen under a saturated disk). The cancel listener is added for this wait only and
 * removed as soon as it settles: nothing long-lived refers to the request, so a chunk is garbage once it
 * has been consumed (racing every wait against one long-lived promise kept every chunk reachable from that
 * promise's reactions).
 */

/** What the wait needs of a gRPC server call: its `cancelled` flag and event. */
export interface CancellableCall {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
  off(event: 'cancelled', listener: () => void): unknown;
}

/** The iterator's next result, or a rejection with `cancelledError()` as soon as `call` is cancelled. */
export function nextOrCancelled<T>(
  requests: AsyncIterator<T>,
  call: CancellableCall,
  cancelledError: () => Error,
): Promise<IteratorResult<T>> {
  if (call.cancelled) return Promise.reject(cancelledError());
  return new Promise<IteratorResult<T>>((resolve, reject) => {
    const onCancel = () => reject(cancelledError());
    call.once('cancelled', onCancel);
    requests.next().then(
      (result) => {
        call.off('cancelled', onCancel);
        resolve(result);
      },
      (error: unknown) => {
        call.off('cancelled', onCancel);
        reject(error);
      },
    );
  });
}
