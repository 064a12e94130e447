import { resolve } from 'node:path';
import { systemClock, type Clock } from '@keel/core';
import { KeelOptionsError, readKvLimits, readOptions, type KvLimits } from '@keel/core/adapter';

/**
 * Options of `createLevelKv`.
 *
 * @example
 * createLevelKv({ location: './data/kv', sync: true });
 */
export interface LevelKvOptions {
  /**
   * The folder LevelDB keeps the store in; relative paths resolve against the working directory
   * when the store is created. One process at a time may open a folder.
   */
  readonly location: string;
  /**
   * `true`: every write is flushed to disk (fsync) before it is acknowledged, so an acknowledged
   * write survives power loss and OS crashes. `false`: a write is acknowledged once it is in
   * LevelDB's log in the OS page cache — it survives the process crashing or being killed, but
   * the last moments of writes can be lost if the machine itself goes down (the store still
   * opens, consistent, without them). `true` makes each write wait for the disk.
   * @default false
   */
  readonly sync?: boolean;
  /** Create the folder (and its parents) when it does not exist; `false` makes a missing folder `UNAVAILABLE`. @default true */
  readonly createIfMissing?: boolean;
  /**
   * How often expired keys are deleted from disk, in milliseconds. Expired keys are never
   * returned in between; the sweep only reclaims their space. The timer never keeps the
   * process alive.
   * @default 1000
   */
  readonly sweepIntervalMs?: number;
  /** Size limits enforced on every call. @default { maxKeyBytes: 1024, maxValueBytes: 8388608, maxBatchSize: 10000 } */
  readonly limits?: Partial<KvLimits>;
  /** Where time comes from; tests pass a clock they can move. @default the system clock */
  readonly clock?: Clock;
}

export interface ResolvedLevelKvOptions {
  /** Absolute. */
  readonly location: string;
  readonly sync: boolean;
  readonly createIfMissing: boolean;
  readonly sweepIntervalMs: number;
  readonly limits: KvLimits;
  readonly clock: Clock;
}

export function resolveLevelKvOptions(options: LevelKvOptions): ResolvedLevelKvOptions {
  const o = readOptions('createLevelKv', options);
  const location = o.string('location');
  if (location.trim() === '')
    throw new KeelOptionsError('location', 'must be a folder path, got an empty string', 'createLevelKv');
  const sync = o.boolean('sync', false);
  const createIfMissing = o.boolean('createIfMissing', true);
  const sweepIntervalMs = o.integer('sweepIntervalMs', 1000, { min: 1, max: 2 ** 31 - 1 });
  const limits = readKvLimits(o.nested('limits'));
  const clock = o.raw('clock') ?? systemClock;
  if (typeof (clock as Clock).now !== 'function')
    throw new KeelOptionsError('clock', 'must have a now() method', 'createLevelKv');
  o.done();
  return Object.freeze({
    location: resolve(location),
    sync,
    createIfMissing,
    sweepIntervalMs,
    limits,
    clock: clock as Clock,
  });
}
