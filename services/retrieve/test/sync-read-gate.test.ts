/** SyncReadGate: reads on the event loop while they stay fast; slow ones send reads to the thread pool a while. */
import { describe, expect, it } from 'vitest';
import {
  READ_TIME_SMOOTHING,
  SLOW_SYNC_READ_MS,
  SYNC_READ_COOLDOWN_MS,
  SyncReadGate,
} from '../src/sync-read-gate.js';

/** A clock the test moves. */
function testClock() {
  let now = 1_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A read that takes `ms` on the test clock. */
const taking = (clock: ReturnType<typeof testClock>, ms: number) => () => clock.advance(ms);

describe('SyncReadGate', () => {
  it('stays open through fast reads and one that took long (the machine busy elsewhere)', () => {
    const clock = testClock();
    const shut: number[] = [];
    const gate = new SyncReadGate({ now: clock.now, onShut: (ms) => shut.push(ms) });
    for (let i = 0; i < 100; i++) gate.run(taking(clock, 0.1));
    // Smoothed, one read of 10 ms stays under the bar: 0.1 + (10 - 0.1) / 8.
    gate.run(taking(clock, 10));
    for (let i = 0; i < 100; i++) gate.run(taking(clock, 0.1));
    expect(shut).toEqual([]);
    expect(gate.open).toBe(true);
  });

  it('shuts at once on a stall, for the cooldown, then judges afresh', () => {
    const clock = testClock();
    const shut: number[] = [];
    const gate = new SyncReadGate({ now: clock.now, onShut: (ms) => shut.push(ms) });
    gate.run(taking(clock, 100));
    expect(shut).toEqual([100 * READ_TIME_SMOOTHING]);
    expect(gate.open).toBe(false);
    clock.advance(SYNC_READ_COOLDOWN_MS - 1);
    expect(gate.open).toBe(false);
    clock.advance(1);
    expect(gate.open).toBe(true);
    gate.run(taking(clock, 0.1));
    expect(gate.open).toBe(true);
  });

  it('shuts within about ten reads that are steadily slow', () => {
    const clock = testClock();
    const gate = new SyncReadGate({ now: clock.now });
    let reads = 0;
    while (gate.open && reads < 50) {
      gate.run(taking(clock, SLOW_SYNC_READ_MS * 1.5));
      reads++;
    }
    expect(gate.open).toBe(false);
    expect(reads).toBeGreaterThan(1);
    expect(reads).toBeLessThanOrEqual(10);
  });

  it('passes a failed read on, timed like the others', () => {
    const clock = testClock();
    const gate = new SyncReadGate({ now: clock.now });
    const failing = (ms: number) => () => {
      clock.advance(ms);
      throw new Error('ENOENT');
    };
    expect(() => gate.run(failing(0))).toThrow('ENOENT');
    expect(gate.open).toBe(true);
    expect(() => gate.run(failing(100))).toThrow('ENOENT');
    expect(gate.open).toBe(false);
  });
});
