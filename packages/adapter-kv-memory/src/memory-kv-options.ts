import { readKvLimits, readOptions, systemClock, type Clock, type KvLimits } from '@keel/core';

/** Options of `createMemoryKv`. */
export interface MemoryKvOptions {
  /**
   * How often expired keys are removed from memory, in milliseconds. Expired keys are never
   * returned in between; the sweep only reclaims their memory. The timer never keeps the
   * process alive.
   * @default 1000
   */
  readonly sweepIntervalMs?: number;
  /** Size limits enforced on every call. @default { maxKeyBytes: 1024, maxValueBytes: 8388608, maxBatchSize: 10000 } */
  readonly limits?: Partial<KvLimits>;
  /** Where time comes from; tests pass a clock they can move. @default the system clock */
  readonly clock?: Clock;
}

export interface ResolvedMemoryKvOptions {
  readonly sweepIntervalMs: number;
  readonly limits: Partial<KvLimits>;
  readonly clock: Clock;
}

export function resolveMemoryKvOptions(options: MemoryKvOptions | undefined): ResolvedMemoryKvOptions {
  const o = readOptions('createMemoryKv', options);
  const sweepIntervalMs = o.integer('sweepIntervalMs', 1000, { min: 1, max: 2 ** 31 - 1 });
  const limits = readKvLimits(o.nested('limits'));
  const clock = o.raw('clock') ?? systemClock;
  if (typeof (clock as Clock).now !== 'function') throw new TypeError('createMemoryKv: clock must have a now() method');
  o.done();
  return { sweepIntervalMs, limits, clock: clock as Clock };
}
