import type { Kv, KvEntry, KvValue } from '@keel/core';
import { defineAdapter, defineKv, parseOptions, type KvDriver } from '@keel/core/adapter';
import { connect, type Outage, outageWatch, type RedisClient } from './redis-connection.js';
import { commandFailure, serverDown, typeMismatch } from './redis-kv-errors.js';
import { redisKvOptions, type RedisKvOptions, type ResolvedRedisKvOptions } from './redis-kv-options.js';
import * as lua from './redis-scripts.js';
import { decodeValue, encodeValue, typeName } from './redis-values.js';

/**
 * The kv contract on Redis 7 (node-redis 6): typed values, server-side expiry in milliseconds,
 * increments on the server that keep the expiry, and atomic compare-and-swap, setMany and
 * deleteMany as Lua scripts. Scans walk a sorted-set index of the keys in byte order: every
 * write that may add a key and every delete change it in the same script, so every key that
 * exists is in it — which lets the overwrite of an existing key be a plain `SET … XX`. Every key
 * lives under `keyPrefix`.
 *
 * @example
 * import { createRedisKv } from '@keel/adapter-kv-redis';
 * const kv = createRedisKv({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop:' });
 * await kv.set('session:abc', 'user-1', { ttlMs: 30 * 60_000 });
 * const hits = (await kv.increment('hits:home'))._unsafeUnwrap();
 */
export function createRedisKv(options: RedisKvOptions = {}): Kv {
  return buildRedisKv(parseOptions(redisKvOptions, options, 'createRedisKv'));
}

/**
 * Registers the adapter as `redis`, so that config can choose it.
 *
 * @example
 * const keel = await createKeel(
 *   { kv: { adapter: 'redis', options: { url: 'redis://127.0.0.1:6379' } } },
 *   { adapters: [redisKvAdapter] },
 * );
 */
export const redisKvAdapter = defineAdapter({
  interface: 'kv',
  id: 'redis',
  package: '@keel/adapter-kv-redis',
  options: redisKvOptions,
  create: (options) => buildRedisKv(options),
});

function buildRedisKv(options: ResolvedRedisKvOptions): Kv {
  const prefix = options.keyPrefix;
  const base = `${prefix}k:`;
  const idx = `${prefix}i`;
  const exp = `${prefix}e`;
  const ttlArg = (ttlMs: number | undefined) => (ttlMs === undefined ? '' : String(ttlMs));
  const written = recentlyWritten();
  // Assigned by open(); core calls nothing else before open() has succeeded.
  let client!: RedisClient;
  let outage!: Outage;
  let lastError: string | undefined;

  /** While reconnecting: waits for the connection (at most `commandTimeoutMs`), or fails once the server is known down. */
  async function reconnected(): Promise<void> {
    if (!outage.down) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.commandTimeoutMs);
      });
      await Promise.race([outage.settled(), timedOut]);
      clearTimeout(timer);
    }
    if (!client.isReady) throw serverDown(lastError);
  }

  /**
   * A command, its reply handed to `then` and its failure turned into the contract's error — one
   * promise per call: the hot paths (`get`, `set`) pay no async wrapper or extra hop on top of the client's own.
   */
  function send<T, R = T>(args: (string | Buffer)[], then?: (reply: T) => R | PromiseLike<R>): Promise<R> {
    if (!client.isReady) return reconnected().then(() => send(args, then));
    return (client.sendCommand(args) as Promise<T>).then(then as (reply: T) => R, rethrow);
  }

  /** A script by its hash, sent in full once when the server does not have it (after a restart). */
  function run<T, R = T>(
    script: lua.Script,
    keyCount: number,
    keysAndArgs: (string | Buffer)[],
    then?: (reply: T) => R,
  ) {
    if (!client.isReady) return reconnected().then((): Promise<R> => run(script, keyCount, keysAndArgs, then));
    const command: (string | Buffer)[] = ['EVALSHA', script.sha, String(keyCount)];
    for (const arg of keysAndArgs) command.push(arg);
    return (client.sendCommand(command) as Promise<T>).then(then as (reply: T) => R, (thrown: unknown) => {
      if (!(thrown instanceof Error) || !thrown.message.startsWith('NOSCRIPT')) return rethrow(thrown);
      command[0] = 'EVAL';
      command[1] = script.source;
      return (client.sendCommand(command) as Promise<T>).then(then as (reply: T) => R, rethrow);
    });
  }

  const driver: KvDriver = {
    adapter: 'redis',
    capabilities: { ttl: true, atomicBatch: true, persistent: true, synchronous: false },
    limits: options.limits,
    async open() {
      client = await connect(options, (error) => {
        lastError = error.message;
      });
      outage = outageWatch(client);
      lastError = undefined;
      try {
        // Loaded up front, so that the first calls need no second round trip; NOSCRIPT still falls back.
        await Promise.all(lua.allScripts.map((script) => client.sendCommand(['SCRIPT', 'LOAD', script.source])));
      } catch (thrown) {
        await client.close();
        throw commandFailure(thrown);
      }
    },
    close() {
      return client.close();
    },
    async health() {
      await send(['PING']);
      return lastError === undefined ? { keyPrefix: prefix } : { keyPrefix: prefix, lastError };
    },

    get(key) {
      return send(['GET', base + key], (stored: Buffer | null) =>
        stored === null ? undefined : decodeValue(key, stored),
      );
    },
    exists(key) {
      return send(['EXISTS', base + key], (n: number) => n === 1);
    },
    set(key, value, ttlMs) {
      const data = base + key;
      const stored = encodeValue(value);
      if (ttlMs !== undefined) return run(lua.SET, 3, [data, idx, exp, base, key, stored, String(ttlMs)], done);
      const script = () => run(lua.SET_PLAIN, 2, [data, idx, stored, key], () => void written.add(key));
      // A key that exists is in the index already (every write adds it and every delete removes
      // it, each in one script), so overwriting one is a plain SET … XX, which writes only a key
      // that exists; when it finds none, the script adds the key to the index too. A key this
      // store has not written lately is likely new: it goes to the script at once, saving the
      // round trip of a SET … XX that would find nothing. A wrong guess costs time, never the index.
      if (!written.has(key)) return script();
      return send<'OK' | null, undefined>(['SET', data, stored, 'XX'], (replaced) =>
        replaced === null ? script() : undefined,
      );
    },
    delete(key) {
      written.delete(key);
      return run(lua.DELETE, 2, [base + key, idx, key], (n: number) => n === 1);
    },
    increment(key, delta) {
      const args = [base + key, idx, String(delta), key];
      return run(lua.INCREMENT, 2, args, ([done, stored]: [number, number | Buffer | null]) => {
        if (typeof stored === 'number') return BigInt(stored);
        if (stored === null) throw typeMismatch(key, `'${key}' cannot be incremented`);
        const current = decodeValue(key, stored);
        if (done === 1) return current as bigint;
        if (typeof current === 'bigint') throw typeMismatch(key, `incrementing '${key}' leaves the s64 range`);
        throw typeMismatch(key, `value of '${key}' is ${typeName(current)}, not an s64`);
      });
    },
    compareAndSwap(key, expected, desired, ttlMs) {
      const args = [
        base + key,
        idx,
        exp,
        base,
        key,
        expected === undefined ? '0' : '1',
        expected === undefined ? '' : encodeValue(expected),
        desired === undefined ? '0' : '1',
        desired === undefined ? '' : encodeValue(desired),
        ttlArg(ttlMs),
      ];
      return run(lua.COMPARE_AND_SWAP, 3, args, (n: number) => n === 1);
    },
    expire(key, ttlMs) {
      return run(lua.EXPIRE, 3, [base + key, idx, exp, base, key, ttlArg(ttlMs)], (n: number) => n === 1);
    },
    ttl(key) {
      return send(['PTTL', base + key], (ms: number) => {
        if (ms === -2) return undefined;
        return ms === -1 ? ({ kind: 'never' } as const) : ({ kind: 'after-ms', ms } as const);
      });
    },
    scan({ prefix: start, after, limit }) {
      const from = after === undefined ? (start === '' ? '-' : `[${start}`) : `(${after}`;
      const to = start === '' ? '+' : Buffer.concat([Buffer.from('('), prefixEnd(start)]);
      return run(lua.SCAN, 1, [idx, base, from, to, String(limit)], (flat: Buffer[]) => {
        const entries: KvEntry[] = [];
        for (let i = 0; i < flat.length; i += 2) {
          const key = (flat[i] as Buffer).toString('utf8');
          entries.push({ key, value: decodeValue(key, flat[i + 1] as Buffer) });
        }
        return entries;
      });
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return send(['MGET', ...keys.map((key) => base + key)], (stored: (Buffer | null)[]) =>
        stored.map((value, i) => (value === null ? undefined : decodeValue(keys[i] as string, value))),
      );
    },
    async setMany(entries, ttlMs) {
      if (entries.length === 0) return;
      const keysAndArgs: (string | Buffer)[] = [idx, exp];
      for (const { key } of entries) keysAndArgs.push(base + key);
      keysAndArgs.push(base, ttlArg(ttlMs));
      for (const { key, value } of entries) keysAndArgs.push(key, encodeValue(value as KvValue));
      await run(lua.SET_MANY, 2 + entries.length, keysAndArgs);
    },
    async deleteMany(keys) {
      if (keys.length === 0) return 0;
      for (const key of keys) written.delete(key);
      const keysAndArgs: string[] = [idx];
      for (const key of keys) keysAndArgs.push(base + key);
      for (const key of keys) keysAndArgs.push(key);
      return run<number>(lua.DELETE_MANY, 1 + keys.length, keysAndArgs);
    },
  };
  return defineKv(driver);
}

/**
 * Keys a store has written lately, so that their next set tries the one-command overwrite first.
 * Only a hint, bounded in size: emptied when full, it costs a few script calls, never correctness.
 */
function recentlyWritten(limit = 4096) {
  const keys = new Set<string>();
  return {
    has: (key: string) => keys.has(key),
    add(key: string) {
      if (keys.size >= limit) keys.clear();
      keys.add(key);
    },
    delete: (key: string) => keys.delete(key),
  };
}

/** What a write resolves to: nothing. */
function done(): undefined {
  return undefined;
}

function rethrow(thrown: unknown): never {
  throw commandFailure(thrown);
}

/**
 * The first byte string after every string starting with `prefix`: its UTF-8 with the last byte
 * incremented. The last byte of UTF-8 text is at most 0xBF, so the increment never carries.
 */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  end[end.length - 1] = (end[end.length - 1] as number) + 1;
  return end;
}
