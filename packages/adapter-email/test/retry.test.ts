import { EmailError } from '@keel/core';
import { ManualClock } from '@keel/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/circuit-breaker.js';
import { backoffDelay } from '@keel/core/adapter';
import { withRetry } from '../src/retry.js';

const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 60_000, multiplier: 2 };
const fail = (code: 'UNAVAILABLE' | 'RATE_LIMITED' | 'REJECTED' | 'AUTH_FAILED', retryAfterMs?: number) =>
  new EmailError({
    code,
    message: code,
    adapter: 'test',
    op: 'send',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

/** A clock that only sleeping moves, and the waits asked for. */
function timers(random: () => number = () => 0.5) {
  const clock = new ManualClock(0);
  const waits: number[] = [];
  return { clock, waits, random, sleep: async (ms: number) => void (waits.push(ms), clock.advance(ms)) };
}

describe('backoffDelay', () => {
  it('draws a full-jitter delay under an exponentially growing, capped ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, policy, () => r, undefined);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.max(cap, 1));
          expect(delay).toBe(Math.floor(r * cap));
        },
      ),
    );
  });

  it('never waits less than Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 100_000 }), (attempt, retryAfterMs) => {
        expect(backoffDelay(attempt, policy, () => 0.99, retryAfterMs)).toBeGreaterThanOrEqual(retryAfterMs);
      }),
    );
  });

  it('spreads delays with jitter rather than retrying in lockstep', () => {
    const seen = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(4, policy, () => i / 50, undefined)));
    expect(seen.size).toBeGreaterThan(40);
  });
});

describe('withRetry', () => {
  it('retries retryable errors with growing waits until one succeeds', async () => {
    const t = timers(() => 0.999);
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 4) throw fail('UNAVAILABLE');
        return 'sent';
      },
      policy,
      t,
    );
    expect(value).toBe('sent');
    expect(calls).toBe(4);
    expect(t.waits).toEqual([99, 199, 399]);
  });

  it('honours Retry-After', async () => {
    const t = timers(() => 0);
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls === 1) throw fail('RATE_LIMITED', 4000);
        return 'ok';
      },
      policy,
      t,
    );
    expect(t.waits).toEqual([4000]);
  });

  it('does not retry errors that would fail again', async () => {
    for (const code of ['REJECTED', 'AUTH_FAILED'] as const) {
      const t = timers();
      let calls = 0;
      await expect(withRetry(async () => (++calls, Promise.reject(fail(code))), policy, t)).rejects.toMatchObject({
        code,
      });
      expect(calls).toBe(1);
      expect(t.waits).toEqual([]);
    }
    let calls = 0;
    await expect(
      withRetry(async () => (++calls, Promise.reject(new TypeError('bug'))), policy, timers()),
    ).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('stops after maxAttempts and says so', async () => {
    const t = timers();
    let calls = 0;
    const error = await withRetry(
      async () => (++calls, Promise.reject(fail('UNAVAILABLE'))),
      { ...policy, maxAttempts: 3 },
      t,
    ).catch((e: EmailError) => e);
    expect(calls).toBe(3);
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('gave up after 3 tries');
  });

  it('gives up rather than wait past maxElapsedMs, keeping retryAfterMs for the caller', async () => {
    const t = timers();
    let calls = 0;
    const error = await withRetry(
      async () => (++calls, Promise.reject(fail('RATE_LIMITED', 120_000))),
      policy,
      t,
    ).catch((e: EmailError) => e);
    expect(calls).toBe(1);
    expect(t.waits).toEqual([]);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.message).toContain('maxElapsedMs');
  });

  it('does not retry an open circuit, so a failover chain moves on at once', async () => {
    const t = timers();
    const breaker = new CircuitBreaker('test', { failureThreshold: 1, resetAfterMs: 10_000 }, t.clock);
    await breaker.call(async () => Promise.reject(fail('UNAVAILABLE'))).catch(() => {});
    let calls = 0;
    const error = await withRetry(() => breaker.call(async () => ++calls), policy, t).catch((e: EmailError) => e);
    expect(calls).toBe(0);
    expect(t.waits).toEqual([]);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryAfterMs: 10_000 });
  });
});
