import type { Clock, Kv } from '@keel/core';
import { defaultSleep, type AdapterNeed, type BreakerPolicy, type RetryPolicy } from '@keel/core/adapter';
import { instanceName, needed, type InstanceSource } from './instances.js';
import type { ResolvedIdempotencyOptions, ResolvedReliabilityOptions } from './reliability-options.js';

/** The policies the reliability layers run on, made from checked options. */

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

/**
 * A provider's reliability policies. A claim holds by default for as long as one send may take
 * with its retries, so that a live sender's claim is not taken over.
 *
 * @example
 * const reliability = reliabilityOf(parsedOptions, context);
 */
export function reliabilityOf(o: ResolvedReliabilityOptions, source: InstanceSource): Reliability {
  const { retry: r, circuitBreaker: breaker, timeoutMs, clock } = o;
  const retry = r === false ? undefined : r;
  const claimTtlMs = Math.min(MAX_MS, (retry?.maxElapsedMs ?? 0) + 2 * timeoutMs);
  return {
    timeoutMs,
    retry,
    breaker: breaker === false ? undefined : breaker,
    idempotency: idempotencyPolicy(o.idempotency, claimTtlMs, source),
    clock,
    sleep: retry?.sleep ?? defaultSleep,
    random: retry?.random ?? Math.random,
  };
}

/** `idempotency` as a policy (`undefined` when switched off), its kv found by name when named. */
export function idempotencyPolicy(
  o: ResolvedIdempotencyOptions,
  defaultClaimTtlMs: number,
  source: InstanceSource,
): IdempotencyPolicy | undefined {
  if (o === false) return undefined;
  const claimTtlMs = o.claimTtlMs ?? defaultClaimTtlMs;
  return {
    windowMs: o.windowMs,
    kv: typeof o.kv === 'string' ? needed(source, 'kv', instanceName(o.kv)) : o.kv,
    keyPrefix: o.keyPrefix,
    claimTtlMs,
    waitMs: o.waitMs ?? claimTtlMs,
    maxKeys: o.maxKeys,
  };
}

/** The kv instance `idempotency.kv` names, as a need (`prefix` places it in a failover chain). */
export function idempotencyNeeds(o: { readonly idempotency: ResolvedIdempotencyOptions }, prefix = ''): AdapterNeed[] {
  const kv = o.idempotency === false ? undefined : o.idempotency.kv;
  if (typeof kv !== 'string') return [];
  const instance = instanceName(kv);
  return [{ interface: 'kv', option: `${prefix}idempotency.kv`, ...(instance === undefined ? {} : { instance }) }];
}
