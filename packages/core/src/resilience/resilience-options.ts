import * as v from 'valibot';
import { fn, integer, maxTimerMs, number, option } from '../options/option-schemas.js';

/**
 * The fields of a `retry` and a `circuitBreaker` option, declared once for every package that
 * retries or breaks circuits (email providers, `@keel/http-client`). Each package wraps them in
 * its own option (`option(orFalse(retryFields), { description })`), saying what it retries.
 */

const retry = v.strictObject({
  maxAttempts: option(integer(1, 100), { default: 3, description: 'Tries in all, the first included.' }),
  initialDelayMs: option(integer(0, maxTimerMs), {
    default: 250,
    description: 'The cap of the first backoff, in ms; each next cap is `multiplier` times larger.',
  }),
  maxDelayMs: option(integer(0, maxTimerMs), { default: 10_000, description: 'The largest backoff cap, in ms.' }),
  maxElapsedMs: option(integer(0, maxTimerMs), {
    default: 30_000,
    description: 'Gives up rather than wait past this many ms since the first try (a `Retry-After` included).',
  }),
  multiplier: option(number(1, 100), { default: 2, description: 'Growth of the backoff cap per try.' }),
  // Function options have no schema default: valibot would call a function default to get the value.
  sleep: option(fn<(ms: number) => Promise<void>>(), {
    defaultText: 'setTimeout',
    description: 'How to wait; tests pass one that moves a manual clock.',
  }),
  random: option(fn<() => number>(), {
    defaultText: 'Math.random',
    description: 'Jitter source in [0, 1).',
  }),
});

const circuitBreaker = v.strictObject({
  failureThreshold: option(integer(1, 1_000_000), {
    default: 5,
    description: 'Consecutive failures that open the circuit (what counts as one: see `circuitBreaker`).',
  }),
  resetAfterMs: option(integer(1, maxTimerMs), {
    default: 30_000,
    description: 'How long the circuit stays open before one trial call is let through, in ms.',
  }),
});

type RetryFields_ = typeof retry;
type CircuitBreakerFields_ = typeof circuitBreaker;
/** The schema of a `retry` group's fields (named, so that declarations name it). */
export interface RetryFieldsSchema extends RetryFields_ {}
/** The schema of a `circuitBreaker` group's fields. */
export interface CircuitBreakerFieldsSchema extends CircuitBreakerFields_ {}

export const retryFields: RetryFieldsSchema = retry;
export const circuitBreakerFields: CircuitBreakerFieldsSchema = circuitBreaker;

/** When and how often a failed call is tried again. */
export type RetryOptions = v.InferInput<typeof retryFields>;
/** Fails fast while a callee keeps failing. */
export type CircuitBreakerOptions = v.InferInput<typeof circuitBreakerFields>;

/** Waits with `setTimeout`. */
export const defaultSleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
