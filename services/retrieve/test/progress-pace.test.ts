/** ProgressPace: counts after every sub-operation of a small retrieve, ten times a second at most in a large one. */
import { describe, expect, it } from 'vitest';
import { EVERY_SUB_OPERATION_UP_TO, PROGRESS_MIN_INTERVAL_MS, ProgressPace } from '../src/progress-stream.js';

describe('ProgressPace', () => {
  it(`a retrieve of ${EVERY_SUB_OPERATION_UP_TO} sub-operations: counts after each, however fast`, () => {
    const pace = new ProgressPace(EVERY_SUB_OPERATION_UP_TO);
    for (let i = 0; i < EVERY_SUB_OPERATION_UP_TO; i++) expect(pace.due(1000)).toBe(true);
  });

  it('a larger one: after the first, then only once the interval has passed since the last sent', () => {
    const pace = new ProgressPace(EVERY_SUB_OPERATION_UP_TO + 1);
    expect(pace.due(1000)).toBe(true);
    expect(pace.due(1000 + PROGRESS_MIN_INTERVAL_MS - 1)).toBe(false);
    expect(pace.due(1000 + PROGRESS_MIN_INTERVAL_MS)).toBe(true);
    expect(pace.due(1000 + PROGRESS_MIN_INTERVAL_MS + 1)).toBe(false);
    expect(pace.due(1000 + 2 * PROGRESS_MIN_INTERVAL_MS)).toBe(true);
  });
});
