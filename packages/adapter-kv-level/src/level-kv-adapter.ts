import { ClassicLevel } from 'classic-level';
import type { Kv, KvEntry, KvValue } from '@keel/core';
import { defineAdapter, defineKv, isS64, kvValuesEqual, parseOptions, type KvDriver } from '@keel/core/adapter';
import { ExpiryIndex } from './expiry-index.js';
import { KeyLock } from './key-lock.js';
import { META_FORMAT_KEY, SCAN_KEYS, isWellFormed, scanRange } from './keyspace.js';
import { BYTE_KEYS, type LevelDb } from './level-db.js';
import { notUnicode, openFailure, typeMismatch } from './level-kv-errors.js';
import { levelKvOptions, type LevelKvOptions, type ResolvedLevelKvOptions } from './level-kv-options.js';
import { checkFormat } from './store-format.js';
import { decodeValue, encodeRecord, isExpired, liveValue, recordExpiry } from './value-encoding.js';

/**
 * The kv contract on LevelDB (classic-level 3), in one folder: typed values, TTL with an
 * expiry index and a background sweep, atomic increment and compare-and-swap, cursor scans on
 * LevelDB iterators, and atomic batches. Reads use LevelDB's synchronous `getSync` and take no
 * lock; every write to a key is serialised by a per-key lock (see `KeyLock`).
 *
 * @example
 * import { createLevelKv } from '@keel/adapter-kv-level';
 * const kv = createLevelKv({ location: './data/kv' });
 * await kv.set('session:abc', 'user-1', { ttlMs: 30 * 60_000 });
 * const hits = (await kv.increment('hits:home'))._unsafeUnwrap();
 */
export function createLevelKv(options: LevelKvOptions): Kv {
  return buildLevelKv(parseOptions(levelKvOptions, options, 'createLevelKv'));
}

/**
 * Registers the adapter as `level`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel(
 *   { kv: { adapter: 'level', options: { location: './data/kv' } } },
 *   { adapters: [levelKvAdapter] },
 * );
 */
export const levelKvAdapter = defineAdapter({
  interface: 'kv',
  id: 'level',
  package: '@keel/adapter-kv-level',
  options: levelKvOptions,
  create: (options) => buildLevelKv(options),
});

function buildLevelKv(options: ResolvedLevelKvOptions): Kv {
  const { location, sync, createIfMissing, sweepIntervalMs, limits, clock } = options;
  const writeOptions = { sync };
  // With the encodings spelled out, classic-level does not copy the options on every put and del.
  const putOptions = { sync, keyEncoding: 'utf8', valueEncoding: 'buffer' } as const;
  const locks = new KeyLock();
  const now = () => clock.now();
  // Assigned by open(); core calls nothing else before open() has succeeded.
  let db!: LevelDb;
  let index!: ExpiryIndex;

  /**
   * Writes a value over `old` (the record read under the key's lock; `undefined` when missing,
   * or when it was not read because the expiry index is empty), keeping the index in step.
   */
  function put(key: string, value: KvValue, expiresAt: number | undefined, old: Buffer | undefined): Promise<void> {
    const record = encodeRecord(value, expiresAt);
    const from = old === undefined ? undefined : recordExpiry(old);
    if (from === expiresAt) return db.put(key, record, putOptions);
    const batch = db.batch().put(key, record);
    index.update(batch, key, from, expiresAt);
    return index.write(batch, expiresAt !== undefined);
  }

  function remove(key: string, old: Buffer): Promise<void> {
    const from = recordExpiry(old);
    if (from === undefined) return db.del(key, putOptions);
    const batch = db.batch().del(key);
    index.update(batch, key, from, undefined);
    return index.write(batch, false);
  }

  /** The old record, where only its expiry matters: none to look for while the index is empty. */
  function oldForOverwrite(key: string): Buffer | undefined {
    return index.empty ? undefined : db.getSync(key);
  }

  function readValue(key: string, record: Buffer | undefined): KvValue | undefined {
    return record === undefined ? undefined : liveValue(key, record, now);
  }

  /** The record of a key that exists now, or `undefined`. */
  function liveRecord(key: string): Buffer | undefined {
    const record = db.getSync(key);
    return record === undefined || isExpired(record, clock.now()) ? undefined : record;
  }

  const driver: KvDriver = {
    adapter: 'level',
    capabilities: { ttl: true, atomicBatch: true, persistent: true, synchronous: false },
    limits,
    async open() {
      const level: LevelDb = new ClassicLevel<string, Buffer>(location, {
        keyEncoding: 'utf8',
        valueEncoding: 'buffer',
        createIfMissing,
      });
      try {
        await level.open();
      } catch (thrown) {
        throw openFailure(location, thrown);
      }
      try {
        await checkFormat(level, location);
        index = new ExpiryIndex({ db: level, locks, clock, sweepIntervalMs, writeOptions });
        await index.start();
      } catch (thrown) {
        await level.close();
        throw thrown;
      }
      db = level;
    },
    async close() {
      await index.stop();
      await db.close();
    },
    health() {
      db.getSync(META_FORMAT_KEY, BYTE_KEYS);
      const error = index.lastError;
      return error === undefined
        ? { location }
        : { location, sweepError: error instanceof Error ? error.message : String(error) };
    },

    get(key) {
      if (!isWellFormed(key)) throw notUnicode('key', key);
      return readValue(key, db.getSync(key));
    },
    exists(key) {
      if (!isWellFormed(key)) throw notUnicode('key', key);
      return liveRecord(key) !== undefined;
    },
    set(key, value, ttlMs) {
      checkKeyAndValue(key, value);
      return locks.run(key, () => put(key, value, expiry(ttlMs), oldForOverwrite(key)));
    },
    delete(key) {
      if (!isWellFormed(key)) throw notUnicode('key', key);
      return locks.run(key, () => {
        const old = db.getSync(key);
        if (old === undefined) return false;
        const existed = !isExpired(old, clock.now());
        return remove(key, old).then(() => existed);
      });
    },
    increment(key, delta) {
      if (!isWellFormed(key)) throw notUnicode('key', key);
      return locks.run(key, () => {
        const old = db.getSync(key);
        const live = old === undefined || isExpired(old, clock.now()) ? undefined : old;
        const current = live === undefined ? 0n : decodeValue(key, live);
        if (typeof current !== 'bigint')
          throw typeMismatch(key, `value of '${key}' is ${typeName(current)}, not an s64`);
        const next = current + delta;
        if (!isS64(next)) throw typeMismatch(key, `incrementing '${key}' leaves the s64 range`);
        // The expiry is kept; an expired key starts again from 0 with none.
        return put(key, next, live === undefined ? undefined : recordExpiry(live), old).then(() => next);
      });
    },
    compareAndSwap(key, expected, desired, ttlMs) {
      checkKeyAndValue(key, desired);
      return locks.run(key, () => {
        const old = db.getSync(key);
        const current = old === undefined ? undefined : liveValue(key, old, now);
        if (!kvValuesEqual(current, expected)) return false;
        if (desired !== undefined) return put(key, desired, expiry(ttlMs), old).then(() => true);
        return old === undefined ? true : remove(key, old).then(() => true);
      });
    },
    expire(key, ttlMs) {
      if (!isWellFormed(key)) throw notUnicode('key', key);
      return locks.run(key, () => {
        const old = liveRecord(key);
        if (old === undefined) return false;
        return put(key, decodeValue(key, old), expiry(ttlMs), old).then(() => true);
      });
    },
    ttl(key) {
      if (!isWellFormed(key)) throw notUnicode('key', key);
      const record = db.getSync(key);
      if (record === undefined) return undefined;
      const at = now();
      if (isExpired(record, at)) return undefined;
      decodeValue(key, record); // refuses a record it cannot read, as get would
      const expiresAt = recordExpiry(record);
      return expiresAt === undefined ? { kind: 'never' } : { kind: 'after-ms', ms: expiresAt - at };
    },
    async scan({ prefix, after, limit }) {
      if (!isWellFormed(prefix)) throw notUnicode('prefix');
      // One snapshot (the iterator's) and one time for the whole page.
      const at = now();
      const iterator = db.iterator<Buffer | string, Buffer>({
        ...scanRange(prefix, after),
        keyEncoding: SCAN_KEYS,
        highWaterMarkBytes: SCAN_READ_AHEAD,
      });
      const entries: KvEntry[] = [];
      try {
        while (entries.length < limit) {
          const chunk = await iterator.nextv(limit - entries.length);
          if (chunk.length === 0) break;
          for (const [key, record] of chunk) {
            if (!isExpired(record, at)) entries.push({ key: key as string, value: decodeValue(key as string, record) });
          }
        }
      } finally {
        await iterator.close();
      }
      return entries;
    },
    getMany(keys) {
      for (const key of keys) if (!isWellFormed(key)) throw notUnicode('key', key);
      if (keys.length <= 1) return keys.map((key) => readValue(key, db.getSync(key)));
      // One snapshot for all the keys, so that no batch is seen half applied: a batch can
      // commit on LevelDB's writer thread between two plain reads.
      const snapshot = db.snapshot();
      const read = { snapshot, ...SNAPSHOT_READ };
      try {
        return keys.map((key) => readValue(key, db.getSync(key, read)));
      } finally {
        snapshot.close().catch(() => undefined);
      }
    },
    setMany(entries, ttlMs) {
      // One batch: all entries or none. A key given twice takes its last value, as in sequence.
      const latest = new Map<string, KvValue>();
      for (const { key, value } of entries) {
        checkKeyAndValue(key, value);
        latest.set(key, value);
      }
      if (latest.size === 0) return undefined;
      return locks.runAll([...latest.keys()], () => {
        const expiresAt = expiry(ttlMs);
        const batch = db.batch();
        for (const [key, value] of latest) {
          const old = oldForOverwrite(key);
          batch.put(key, encodeRecord(value, expiresAt));
          index.update(batch, key, old === undefined ? undefined : recordExpiry(old), expiresAt);
        }
        return index.write(batch, expiresAt !== undefined);
      });
    },
    deleteMany(keys) {
      for (const key of keys) if (!isWellFormed(key)) throw notUnicode('key', key);
      const distinct = [...new Set(keys)];
      if (distinct.length === 0) return 0;
      return locks.runAll(distinct, () => {
        const at = now();
        const batch = db.batch();
        let existed = 0;
        for (const key of distinct) {
          const old = db.getSync(key);
          if (old === undefined) continue;
          if (!isExpired(old, at)) existed++;
          batch.del(key);
          index.update(batch, key, recordExpiry(old), undefined);
        }
        return batch.length === 0 ? batch.close().then(() => existed) : index.write(batch, false).then(() => existed);
      });
    },
  };
  return defineKv(driver);

  function expiry(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : clock.now() + ttlMs;
  }
}

/** Bytes an iterator reads ahead per native call; larger than classic-level's 16 KiB so big pages take few calls. */
const SCAN_READ_AHEAD = 1024 * 1024;

/** Read options with the encodings spelled out, which keeps classic-level from copying them on every read. */
const SNAPSHOT_READ = { keyEncoding: 'utf8', valueEncoding: 'buffer' } as const;

/** Keys and text values must be well-formed Unicode to survive UTF-8 unchanged. */
function checkKeyAndValue(key: string, value: KvValue | undefined): void {
  if (!isWellFormed(key)) throw notUnicode('key', key);
  if (typeof value === 'string' && !isWellFormed(value)) throw notUnicode('text value', key);
}

function typeName(value: KvValue): string {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'an f64';
  if (typeof value === 'boolean') return 'a bool';
  return 'bytes';
}
