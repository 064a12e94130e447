import { randomUUID } from 'node:crypto';
import { type Clock, type Email, type Sql } from '@keel/core';
import { KeelOptionsError, readOptions } from '@keel/core/adapter';
import { readClock } from './reliability-options.js';

/** Options of `createEmailOutbox`. */
export interface EmailOutboxOptions {
  /** The database the business transactions run on; the outbox table lives there. */
  readonly sql: Sql;
  /** Where the dispatcher delivers (any provider, a failover chain, the dev outbox). */
  readonly email: Email;
  /** The outbox table, a plain identifier. @default 'keel_email_outbox' */
  readonly table?: string;
  /** Tries per message before it is dead-lettered (a dispatcher that died mid-try counts). @default 10 */
  readonly maxAttempts?: number;
  /**
   * How long a dispatcher owns a message it claimed, in ms. A dispatcher that dies loses its
   * claims when they expire and another one delivers them. Keep it above the longest `send`
   * (the provider's timeout × retries), or a slow send may be delivered twice.
   * @default 60000
   */
  readonly leaseMs?: number;
  /** Messages claimed per pass. @default 20 */
  readonly batchSize?: number;
  /** Sends in flight per dispatcher. @default 4 */
  readonly concurrency?: number;
  /** How often `start()` looks for due messages when the last pass found none, in ms. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Backoff between tries of a message: "equal jitter" under a cap growing from `initialDelayMs` by `multiplier` to `maxDelayMs`; a provider's `retryAfterMs` is honoured. */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number; readonly multiplier?: number };
  /** Called with what a background pass could not do (a database error); the loop keeps going. @default ignore */
  readonly onError?: (error: Error) => void;
  /** Names this dispatcher's claims. @default a random UUID */
  readonly dispatcherId?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface ResolvedEmailOutboxOptions {
  readonly sql: Sql;
  readonly email: Email;
  readonly table: string;
  readonly maxAttempts: number;
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly retry: { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly multiplier: number };
  readonly onError: (error: Error) => void;
  readonly dispatcherId: string;
  readonly clock: Clock;
  readonly random: () => number;
}

const MAX_MS = 2 ** 31 - 1;

export function resolveEmailOutboxOptions(options: EmailOutboxOptions): ResolvedEmailOutboxOptions {
  const factory = 'createEmailOutbox';
  const o = readOptions(factory, options);
  const sql = o.raw('sql') as Sql;
  if (typeof sql?.transaction !== 'function' || typeof sql.query !== 'function')
    throw new KeelOptionsError('sql', 'expected a Sql instance', factory);
  const email = o.raw('email') as Email;
  if (typeof email?.send !== 'function') throw new KeelOptionsError('email', 'expected an Email instance', factory);
  const table = o.string('table', 'keel_email_outbox');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table))
    throw new KeelOptionsError('table', `expected a plain identifier, got '${table}'`, factory);
  const r = o.nested('retry');
  const retry = {
    initialDelayMs: r.integer('initialDelayMs', 1000, { min: 0, max: MAX_MS }),
    maxDelayMs: r.integer('maxDelayMs', 3_600_000, { min: 0, max: MAX_MS }),
    multiplier: r.integer('multiplier', 2, { min: 1, max: 100 }),
  };
  r.done();
  const onError = o.raw('onError') ?? (() => {});
  if (typeof onError !== 'function') throw new KeelOptionsError('onError', 'expected a function', factory);
  const random = o.raw('random') ?? Math.random;
  if (typeof random !== 'function') throw new KeelOptionsError('random', 'expected a function', factory);
  const resolved: ResolvedEmailOutboxOptions = {
    sql,
    email,
    table,
    maxAttempts: o.integer('maxAttempts', 10, { min: 1, max: 1_000_000 }),
    leaseMs: o.integer('leaseMs', 60_000, { min: 1, max: MAX_MS }),
    batchSize: o.integer('batchSize', 20, { min: 1, max: 10_000 }),
    concurrency: o.integer('concurrency', 4, { min: 1, max: 1000 }),
    pollIntervalMs: o.integer('pollIntervalMs', 1000, { min: 1, max: MAX_MS }),
    retry,
    onError: onError as (error: Error) => void,
    dispatcherId: o.string('dispatcherId', randomUUID()),
    clock: readClock(o, factory),
    random: random as () => number,
  };
  o.done();
  return resolved;
}
