import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/index.js';

describe('backoff', () => {
  it('doubles from delayMs up to maxDelayMs, jittered in the upper half of each cap', () => {
    const plain = { type: 'exponential', delayMs: 100, maxDelayMs: 1000, jitter: false } as const;
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(plain, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const jittered = { ...plain, jitter: true };
    expect(backoffDelay(jittered, 3, () => 0)).toBe(200);
    expect(backoffDelay(jittered, 3, () => 0.999)).toBe(399);
    expect(backoffDelay({ type: 'fixed', delayMs: 250 }, 9)).toBe(250);
  });
});
