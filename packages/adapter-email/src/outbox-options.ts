import { resolve } from 'node:path';
import { type Clock } from '@keel/core';
import { readOptions, type AdapterContext } from '@keel/core/adapter';
import { readClock, readIdempotency, type IdempotencyOptions, type IdempotencyPolicy } from './reliability-options.js';

/** Options of `createOutboxEmail`. */
export interface OutboxEmailOptions {
  /** Also write each message as an `.eml` file (RFC 5322, CRLF) into this folder, created if missing. @default memory only */
  readonly folder?: string;
  /** Messages kept in memory, oldest dropped first; `0` keeps none (files only). @default 1000 */
  readonly keep?: number;
  /** As for every provider: a repeated `idempotencyKey` returns the first receipt. @default { windowMs: 86400000 } in process */
  readonly idempotency?: IdempotencyOptions | false;
  /** Where time comes from (timestamps, idempotency window). @default the system clock */
  readonly clock?: Clock;
}

export interface ResolvedOutboxOptions {
  readonly folder: string | undefined;
  readonly keep: number;
  readonly idempotency: IdempotencyPolicy | undefined;
  readonly clock: Clock;
}

export function resolveOutboxOptions(
  options: OutboxEmailOptions | undefined,
  context?: AdapterContext,
): ResolvedOutboxOptions {
  const factory = 'createOutboxEmail';
  const o = readOptions(factory, options);
  const folder = o.optionalString('folder');
  const keep = o.integer('keep', 1000, { min: 0, max: 10_000_000 });
  const idempotency = readIdempotency(o, factory, context, 60_000);
  const clock = readClock(o, factory);
  o.done();
  return { folder: folder === undefined ? undefined : resolve(folder), keep, idempotency, clock };
}
