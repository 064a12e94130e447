import { instanceToken, systemClock, tokens, type Clock, type Kv } from '@keel/core';
import { KeelOptionsError, readOptions, type AdapterContext, type OptionsReader } from '@keel/core/adapter';

/** When and how often a failed send is tried again. Only `UNAVAILABLE` and `RATE_LIMITED` are retried. */
export interface RetryOptions {
  /** Tries in all, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** The cap of the first backoff, in ms; each next cap is `multiplier` times larger. @default 250 */
  readonly initialDelayMs?: number;
  /** The largest backoff cap, in ms. @default 10000 */
  readonly maxDelayMs?: number;
  /** Gives up rather than wait past this many ms since the first try (a `Retry-After` included). @default 30000 */
  readonly maxElapsedMs?: number;
  /** Growth of the backoff cap per attempt. @default 2 */
  readonly multiplier?: number;
  /** How to wait; tests pass one that moves a manual clock. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Fails fast while a provider keeps failing, so a failover chain moves on at once. */
export interface CircuitBreakerOptions {
  /** Consecutive retryable failures that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one trial send is let through, in ms. @default 30000 */
  readonly resetAfterMs?: number;
}

/** How a repeated `idempotencyKey` is recognised. */
export interface IdempotencyOptions {
  /** How long a key is remembered after its send, in ms. @default 86400000 (24 h) */
  readonly windowMs?: number;
  /**
   * Where keys are kept: a `Kv`, or the name of a kv instance from config (`'default'` is the
   * default kv). Share one kv between processes so that they see each other's keys.
   * @default a bounded in-process store (one process only)
   */
  readonly kv?: Kv | string;
  /** Prefix of every key written to the kv. @default 'keel:email:idem:' */
  readonly keyPrefix?: string;
  /** How long a claim for a send in progress holds before another sender may take over, in ms. @default maxElapsedMs + 2 × timeoutMs */
  readonly claimTtlMs?: number;
  /** How long a duplicate waits for a concurrent send with the same key to finish, in ms. @default claimTtlMs */
  readonly waitMs?: number;
  /** Keys the in-process store keeps at most (oldest dropped first); unused with `kv`. @default 100000 */
  readonly maxKeys?: number;
}

/** Reliability settings every provider takes, beside its own options. */
export interface EmailReliabilityOptions {
  /** Time allowed for one request to the provider, in ms (an `AbortSignal`). @default 10000 */
  readonly timeoutMs?: number;
  /** Retries of retryable failures; `false` sends once. @default { maxAttempts: 3 } */
  readonly retry?: RetryOptions | false;
  /** `false` never opens the circuit. @default { failureThreshold: 5, resetAfterMs: 30000 } */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
  /** `false` ignores `idempotencyKey` (every send goes out). @default { windowMs: 86400000 } in process */
  readonly idempotency?: IdempotencyOptions | false;
  /** Where time comes from (breaker, idempotency window, retry budget). @default the system clock */
  readonly clock?: Clock;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxElapsedMs: number;
  readonly multiplier: number;
}

export interface BreakerPolicy {
  readonly failureThreshold: number;
  readonly resetAfterMs: number;
}

export interface IdempotencyPolicy {
  readonly windowMs: number;
  readonly kv: Kv | undefined;
  readonly keyPrefix: string;
  readonly claimTtlMs: number;
  readonly waitMs: number;
  readonly maxKeys: number;
}

export interface Reliability {
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: BreakerPolicy | undefined;
  readonly idempotency: IdempotencyPolicy | undefined;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const MAX_MS = 2 ** 31 - 1;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads the reliability fields of a provider's options (`timeoutMs`, `retry`, `circuitBreaker`,
 * `idempotency`, `clock`) from the same reader, so unknown-field checks cover them too.
 */
export function readReliability(o: OptionsReader, factory: string, context?: AdapterContext): Reliability {
  const timeoutMs = o.integer('timeoutMs', 10_000, { min: 1, max: MAX_MS });
  const clock = readClock(o, factory);
  const { retry, sleep, random } = readRetry(o, factory);
  const breaker = readBreaker(o, factory);
  const idempotency = readIdempotency(
    o,
    factory,
    context,
    Math.min(MAX_MS, (retry?.maxElapsedMs ?? 0) + 2 * timeoutMs),
  );
  return { timeoutMs, retry, breaker, idempotency, clock, sleep, random };
}

/** `retry` (or `false`), with its test hooks `sleep` and `random`. */
export function readRetry(
  o: OptionsReader,
  factory: string,
): { retry: RetryPolicy | undefined; sleep: (ms: number) => Promise<void>; random: () => number } {
  const raw = o.raw('retry');
  if (raw === false) return { retry: undefined, sleep: defaultSleep, random: Math.random };
  const r = readOptions(factory, raw, 'retry.');
  const retry = {
    maxAttempts: r.integer('maxAttempts', 3, { min: 1, max: 100 }),
    initialDelayMs: r.integer('initialDelayMs', 250, { min: 0, max: MAX_MS }),
    maxDelayMs: r.integer('maxDelayMs', 10_000, { min: 0, max: MAX_MS }),
    maxElapsedMs: r.integer('maxElapsedMs', 30_000, { min: 0, max: MAX_MS }),
    multiplier: readNumber(r, factory, 'retry.multiplier', 'multiplier', 2, 1, 100),
  };
  const sleep = readFunction<(ms: number) => Promise<void>>(r, factory, 'retry.sleep', 'sleep') ?? defaultSleep;
  const random = readFunction<() => number>(r, factory, 'retry.random', 'random') ?? Math.random;
  r.done();
  return { retry, sleep, random };
}

/** `circuitBreaker` (or `false`). */
export function readBreaker(o: OptionsReader, factory: string): BreakerPolicy | undefined {
  const raw = o.raw('circuitBreaker');
  if (raw === false) return undefined;
  const b = readOptions(factory, raw, 'circuitBreaker.');
  const breaker = {
    failureThreshold: b.integer('failureThreshold', 5, { min: 1, max: 1_000_000 }),
    resetAfterMs: b.integer('resetAfterMs', 30_000, { min: 1, max: MAX_MS }),
  };
  b.done();
  return breaker;
}

/** `idempotency` (or `false`); a kv instance name is resolved through the container. */
export function readIdempotency(
  o: OptionsReader,
  factory: string,
  context: AdapterContext | undefined,
  defaultClaimTtlMs: number,
): IdempotencyPolicy | undefined {
  const raw = o.raw('idempotency');
  if (raw === false) return undefined;
  const i = readOptions(factory, raw, 'idempotency.');
  const claimTtlMs = i.integer('claimTtlMs', defaultClaimTtlMs, { min: 1, max: MAX_MS });
  const idempotency = {
    windowMs: i.integer('windowMs', 86_400_000, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    kv: resolveKv(i.raw('kv'), factory, context),
    keyPrefix: i.string('keyPrefix', 'keel:email:idem:'),
    claimTtlMs,
    waitMs: i.integer('waitMs', claimTtlMs, { min: 0, max: MAX_MS }),
    maxKeys: i.integer('maxKeys', 100_000, { min: 1, max: 100_000_000 }),
  };
  i.done();
  return idempotency;
}

export function readClock(o: OptionsReader, factory: string): Clock {
  const clock = o.raw('clock') ?? systemClock;
  if (typeof (clock as Clock).now !== 'function')
    throw new KeelOptionsError('clock', 'must have a now() method', factory);
  return clock as Clock;
}

/** A base URL without its trailing slash; refuses anything but http(s). */
export function readBaseUrl(o: OptionsReader, factory: string, fallback: string): string {
  const value = o.string('baseUrl', fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KeelOptionsError('baseUrl', `expected an http(s) URL, got '${value}'`, factory);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new KeelOptionsError('baseUrl', `expected an http(s) URL, got '${value}'`, factory);
  return value.replace(/\/+$/, '');
}

function resolveKv(value: unknown, factory: string, context: AdapterContext | undefined): Kv | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    if (!context)
      throw new KeelOptionsError(
        'idempotency.kv',
        'a kv instance name works only when the container builds the adapter; pass a Kv',
        factory,
      );
    try {
      return context.resolve(value === 'default' ? tokens.kv : instanceToken('kv', value));
    } catch {
      throw new KeelOptionsError('idempotency.kv', `no kv instance named '${value}' is configured`, factory);
    }
  }
  const kv = value as Partial<Kv>;
  if (typeof kv.compareAndSwap !== 'function' || typeof kv.get !== 'function') {
    throw new KeelOptionsError('idempotency.kv', 'expected a Kv or the name of a kv instance', factory);
  }
  return value as Kv;
}

function readNumber(
  r: OptionsReader,
  factory: string,
  path: string,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = r.raw(field);
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new KeelOptionsError(path, `expected a number from ${min} to ${max}, got ${String(v)}`, factory);
  }
  return v;
}

function readFunction<F>(r: OptionsReader, factory: string, path: string, field: string): F | undefined {
  const v = r.raw(field);
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new KeelOptionsError(path, 'expected a function', factory);
  return v as F;
}

/** A required string that must not be blank (API keys, domains, hosts). */
export function readRequiredText(o: OptionsReader, factory: string, field: string): string {
  const value = o.string(field);
  if (value.trim() === '') throw new KeelOptionsError(field, 'must not be empty', factory);
  return value;
}
