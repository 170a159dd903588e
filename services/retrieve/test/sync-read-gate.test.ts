/** SyncReadGate: reads on the event loop while they stay fast; a slow one sends reads to the thread pool a while. */
import { describe, expect, it } from 'vitest';
import { SLOW_SYNC_READ_MS, SYNC_READ_COOLDOWN_MS, SyncReadGate } from '../src/sync-read-gate.js';

/** A clock the test moves; `during` advances it while a read runs. */
function testClock() {
  let now = 1_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('SyncReadGate', () => {
  it('stays open while reads are fast, shuts for the cooldown after a slow one, and tells who asked', () => {
    const clock = testClock();
    const shut: number[] = [];
    const gate = new SyncReadGate({ now: clock.now, onShut: (ms) => shut.push(ms) });
    expect(gate.open).toBe(true);
    gate.run(() => clock.advance(SLOW_SYNC_READ_MS));
    expect(gate.open).toBe(true);
    expect(shut).toEqual([]);

    gate.run(() => clock.advance(SLOW_SYNC_READ_MS + 3));
    expect(shut).toEqual([SLOW_SYNC_READ_MS + 3]);
    expect(gate.open).toBe(false);
    clock.advance(SYNC_READ_COOLDOWN_MS - 1);
    expect(gate.open).toBe(false);
    clock.advance(1);
    expect(gate.open).toBe(true);
  });

  it('passes a failed read on, and a slow failure shuts it too', () => {
    const clock = testClock();
    const gate = new SyncReadGate({ now: clock.now });
    const failing = (ms: number) => () => {
      clock.advance(ms);
      throw new Error('ENOENT');
    };
    expect(() => gate.run(failing(0))).toThrow('ENOENT');
    expect(gate.open).toBe(true);
    expect(() => gate.run(failing(SLOW_SYNC_READ_MS + 1))).toThrow('ENOENT');
    expect(gate.open).toBe(false);
  });
});
