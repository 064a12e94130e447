import { ManualClock } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { err, ok, type Result } from '../src/index.js';
import { Circuit, retryLoop } from '../src/adapter.js';

// The kit's retry loop and circuit; adapter-email's and http-client's tests run them through their wrappers too.
describe('retryLoop', () => {
  const policy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000, maxElapsedMs: 10_000, multiplier: 2 };
  const deps = (clock: ManualClock, waits: number[]) => ({
    clock,
    random: () => 0.5,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock.advance(ms);
    },
  });

  it('says why it stopped: a final error, no tries left, or over budget', async () => {
    const waits: number[] = [];
    const failing = async (): Promise<Result<never, string>> => err('down');
    const final = await retryLoop(failing, policy, deps(new ManualClock(0), waits), () => ({ retry: false }));
    expect(final._unsafeUnwrapErr()).toEqual({ error: 'down', attempts: 1, stop: 'final' });
    const spent = await retryLoop(failing, policy, deps(new ManualClock(0), waits), () => ({ retry: true }));
    expect(spent._unsafeUnwrapErr()).toEqual({ error: 'down', attempts: 4, stop: 'no tries left' });
    expect(waits).toEqual([50, 100, 200]);
    const later = await retryLoop(failing, policy, deps(new ManualClock(0), []), () => ({
      retry: true,
      retryAfterMs: 20_000,
    }));
    expect(later._unsafeUnwrapErr()).toEqual({ error: 'down', attempts: 1, stop: 'over budget', delayMs: 20_000 });
  });

  it('returns the first Ok and reports each retry', async () => {
    const seen: number[] = [];
    const flaky = async (n: number): Promise<Result<number, string>> => (n < 3 ? err('busy') : ok(n));
    const result = await retryLoop(
      flaky,
      policy,
      deps(new ManualClock(0), []),
      () => ({ retry: true }),
      (n) => seen.push(n),
    );
    expect([result._unsafeUnwrap(), seen]).toEqual([3, [1, 2]]);
  });
});

describe('Circuit', () => {
  it('frees a half-open trial that was abandoned, without closing or opening', () => {
    const clock = new ManualClock(0);
    const circuit = new Circuit({ failureThreshold: 1, resetAfterMs: 100 }, clock);
    circuit.failed(false);
    expect(circuit.admit()).toEqual({ admitted: false, retryAfterMs: 100 });
    clock.advance(100);
    expect(circuit.admit()).toEqual({ admitted: true, trial: true });
    expect(circuit.admit()).toEqual({ admitted: false, retryAfterMs: 100 });
    circuit.abandoned(true);
    expect(circuit.state).toBe('half-open');
    expect(circuit.admit()).toEqual({ admitted: true, trial: true });
    circuit.succeeded(true);
    expect(circuit.state).toBe('closed');
  });
});
