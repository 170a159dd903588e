/**
 * The wait for a Store call's next request: a cancel ends it even when the stream's iterator never settles
 * (CI once left a temporary file for over 10 s under a saturated disk), and no wait keeps a chunk it has
 * handed on reachable (racing every wait against one long-lived promise did: 270-620 MiB over 600 MiB).
 * The call is an EventEmitter with grpc-js's `cancelled` flag and event; a stalled iterator cannot be
 * produced on demand from a real gRPC stream.
 */
import { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { nextOrCancelled } from '../src/next-or-cancelled.js';

class FakeCall extends EventEmitter {
  cancelled = false;
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
  }
}

class CancelledForTest extends Error {}

/** An iterator whose next() never settles: the destroyed stream the fix is about. */
const stalled: AsyncIterator<Uint8Array> = { next: () => new Promise<never>(() => undefined) };

describe('nextOrCancelled', () => {
  it('rejects on cancel while the iterator never settles, and removes its listener', async () => {
    const call = new FakeCall();
    const waiting = nextOrCancelled(stalled, call, () => new CancelledForTest());
    expect(call.listenerCount('cancelled')).toBe(1);
    call.cancel();
    await expect(waiting).rejects.toBeInstanceOf(CancelledForTest);
    expect(call.listenerCount('cancelled')).toBe(0);
  });

  it('rejects at once when the call is already cancelled, without asking the iterator', async () => {
    const call = new FakeCall();
    call.cancel();
    let asked = false;
    const iterator: AsyncIterator<Uint8Array> = {
      next: () => {
        asked = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    await expect(nextOrCancelled(iterator, call, () => new CancelledForTest())).rejects.toBeInstanceOf(
      CancelledForTest,
    );
    expect(asked).toBe(false);
  });

  it("passes the iterator's values and errors on, leaving no listener behind", async () => {
    const call = new FakeCall();
    const chunk = new Uint8Array([1, 2, 3]);
    const values = [chunk][Symbol.iterator]();
    const iterator: AsyncIterator<Uint8Array> = {
      next: async () => values.next(),
    };
    await expect(nextOrCancelled(iterator, call, () => new CancelledForTest())).resolves.toEqual({
      done: false,
      value: chunk,
    });
    await expect(nextOrCancelled(iterator, call, () => new CancelledForTest())).resolves.toMatchObject({
      done: true,
    });
    const failing: AsyncIterator<Uint8Array> = { next: () => Promise.reject(new RangeError('stream error')) };
    await expect(nextOrCancelled(failing, call, () => new CancelledForTest())).rejects.toBeInstanceOf(
      RangeError,
    );
    expect(call.listenerCount('cancelled')).toBe(0);
  });

  it('keeps no consumed chunk reachable while the call lives on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const call = new FakeCall();
    const CHUNKS = 64;
    const handedOn: WeakRef<Uint8Array>[] = [];
    let produced = 0;
    const iterator: AsyncIterator<Uint8Array> = {
      next: async () => {
        if (produced === CHUNKS) return { done: true, value: undefined };
        produced++;
        const chunk = new Uint8Array(1024 * 1024);
        handedOn.push(new WeakRef(chunk));
        return { done: false, value: chunk };
      },
    };
    for (;;) {
      const next = await nextOrCancelled(iterator, call, () => new CancelledForTest());
      if (next.done) break;
    }
    // Let the settled promises' jobs run, then collect: the call (still alive here) must hold none of them.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(handedOn).toHaveLength(CHUNKS);
    expect(handedOn.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(call.listenerCount('cancelled')).toBe(0);
  });
});
