import type { Kv } from '@keel/core';
import {
  circuitBreakerFields,
  clockOption,
  integer,
  maxTimerMs,
  option,
  orFalse,
  retryFields,
  string,
} from '@keel/core/adapter';
import * as v from 'valibot';
import { instanceOr } from './option-builders.js';

/**
 * The reliability options every provider takes beside its own, declared once and spread into
 * each provider's schema (`...reliabilityOptions`); the outbox and a failover chain take
 * `idempotency` and `clock` only. The fields of `retry` and `circuitBreaker` are core's, shared
 * with `@keel/http-client`.
 */

function idempotencySchema(claimTtlDefault: string) {
  const group = v.strictObject({
    windowMs: option(integer(1, Number.MAX_SAFE_INTEGER), {
      default: 86_400_000,
      description: 'How long a key is remembered after its send, in ms (24 h).',
    }),
    kv: option(instanceOr<Kv>('a Kv', ['get', 'compareAndSwap'], 'kv'), {
      defaultText: 'an in-process store',
      description:
        "Where keys are kept: a `Kv`, or the name of a kv instance in the config (`'default'` is the default kv). " +
        "Share one kv between processes so that they see each other's keys; the in-process store covers one process.",
    }),
    keyPrefix: option(string(), {
      default: 'keel:email:idem:',
      description: 'Prefix of every key written to the kv (`<prefix><adapter>:<key>`).',
    }),
    claimTtlMs: option(integer(1, maxTimerMs), {
      defaultText: claimTtlDefault,
      description: 'How long a claim of a send in progress holds before another sender may take over, in ms.',
    }),
    waitMs: option(integer(0, maxTimerMs), {
      defaultText: 'claimTtlMs',
      description: 'How long a duplicate waits for a concurrent send with the same key before `UNAVAILABLE`, in ms.',
    }),
    maxKeys: option(integer(1, 100_000_000), {
      default: 100_000,
      description: 'Keys the in-process store keeps at most (oldest dropped first); unused with `kv`.',
    }),
  });
  return option(orFalse(group), {
    default: {},
    description:
      'A repeated `idempotencyKey` within the window returns the first receipt instead of sending again; ' +
      '`false` ignores `idempotencyKey`.',
  });
}

const clock = clockOption('Where time comes from (breaker, idempotency window, retry budget, timestamps).');

const timeoutMs = option(integer(1, maxTimerMs), {
  default: 10_000,
  description: 'Time allowed for one request to the provider, in ms (an `AbortSignal`).',
});

const retry = option(orFalse(retryFields), {
  default: {},
  description:
    'Retries of `UNAVAILABLE` and `RATE_LIMITED` only, with full-jitter backoff, never sooner than ' +
    '`Retry-After`; `false` sends once.',
});

const circuitBreaker = option(orFalse(circuitBreakerFields), {
  default: {},
  description:
    'Fails fast while the provider keeps failing (retryable errors — `UNAVAILABLE`, `RATE_LIMITED` — count as ' +
    'failures), so a failover chain moves on; `false` never opens.',
});

// Each option's schema has a named type: declarations then name it wherever it is spread or
// nested, instead of writing its structure out again (see option-builders.ts).
type Clock_ = typeof clock;
type Timeout_ = typeof timeoutMs;
type Retry_ = typeof retry;
type CircuitBreaker_ = typeof circuitBreaker;
type Idempotency_ = ReturnType<typeof idempotencySchema>;
/** The schema of `clock`. */
export interface ClockOptionSchema extends Clock_ {}
/** The schema of `timeoutMs`. */
export interface TimeoutOptionSchema extends Timeout_ {}
/** The schema of `retry`. */
export interface RetryOptionSchema extends Retry_ {}
/** The schema of `circuitBreaker`. */
export interface CircuitBreakerOptionSchema extends CircuitBreaker_ {}
/** The schema of `idempotency`. */
export interface IdempotencyOptionSchema extends Idempotency_ {}

export const reliabilityClock: ClockOptionSchema = clock;

/** `idempotency`; the default claim time differs per adapter, so it is made for each. */
export function idempotencyOption(claimTtlDefault: string): IdempotencyOptionSchema {
  return idempotencySchema(claimTtlDefault);
}

/** The fields every provider spreads into its schema. */
export const reliabilityOptions: {
  readonly timeoutMs: TimeoutOptionSchema;
  readonly retry: RetryOptionSchema;
  readonly circuitBreaker: CircuitBreakerOptionSchema;
  readonly idempotency: IdempotencyOptionSchema;
  readonly clock: ClockOptionSchema;
} = {
  timeoutMs,
  retry,
  circuitBreaker,
  idempotency: idempotencyOption('retry.maxElapsedMs + 2 × timeoutMs'),
  clock,
};

const reliabilityGroup = v.strictObject(reliabilityOptions);

/** Reliability settings every provider takes, beside its own options. */
export type EmailReliabilityOptions = v.InferInput<typeof reliabilityGroup>;
/** The same with every default filled in. */
export type ResolvedReliabilityOptions = v.InferOutput<typeof reliabilityGroup>;
/** How a repeated `idempotencyKey` is recognised. */
export type IdempotencyOptions = Exclude<v.InferInput<ReturnType<typeof idempotencyOption>>, false | undefined>;
/** `idempotency` with its defaults filled in, or `false`. */
export type ResolvedIdempotencyOptions = v.InferOutput<ReturnType<typeof idempotencyOption>>;
