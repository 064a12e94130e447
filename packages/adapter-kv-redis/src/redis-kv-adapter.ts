import type { Kv, KvEntry, KvValue } from '@keel/core';
import { defineAdapter, defineKv, parseOptions, type KvDriver } from '@keel/core/adapter';
import { connect, type RedisClient } from './redis-connection.js';
import { commandFailure, typeMismatch } from './redis-kv-errors.js';
import { redisKvOptions, type RedisKvOptions, type ResolvedRedisKvOptions } from './redis-kv-options.js';
import * as lua from './redis-scripts.js';
import { decodeValue, encodeValue, typeName } from './redis-values.js';

/**
 * The kv contract on Redis 7 (node-redis 6): typed values, server-side expiry in milliseconds,
 * increments on the server that keep the expiry, and atomic compare-and-swap, setMany and
 * deleteMany as Lua scripts. Scans walk a sorted-set index of the keys in byte order, which every
 * write keeps in step inside the same script. Every key lives under `keyPrefix`.
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
  const dataKey = (key: string) => base + key;
  const ttlArg = (ttlMs: number | undefined) => (ttlMs === undefined ? '' : String(ttlMs));
  // Assigned by open(); core calls nothing else before open() has succeeded.
  let client!: RedisClient;
  let lastError: string | undefined;

  /** A command, its failure turned into the contract's error. */
  function send<T>(args: (string | Buffer)[]): Promise<T> {
    return (client.sendCommand(args) as Promise<T>).catch(rethrow);
  }

  /** A script by its hash, sent in full once when the server does not have it (after a restart). */
  function run<T>(script: lua.Script, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<T> {
    const command: (string | Buffer)[] = ['EVALSHA', script.sha, String(keys.length)];
    for (const key of keys) command.push(key);
    for (const arg of args) command.push(arg);
    return (client.sendCommand(command) as Promise<T>).catch((thrown: unknown) => {
      if (!(thrown instanceof Error) || !thrown.message.startsWith('NOSCRIPT')) return rethrow(thrown);
      command[0] = 'EVAL';
      command[1] = script.source;
      return (client.sendCommand(command) as Promise<T>).catch(rethrow);
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

    async get(key) {
      const stored = await send<Buffer | null>(['GET', dataKey(key)]);
      return stored === null ? undefined : decodeValue(key, stored);
    },
    async exists(key) {
      return (await send<number>(['EXISTS', dataKey(key)])) === 1;
    },
    async set(key, value, ttlMs) {
      if (ttlMs === undefined) await run(lua.SET_PLAIN, [dataKey(key), idx], [encodeValue(value), key]);
      else await run(lua.SET, [dataKey(key), idx, exp], [base, key, encodeValue(value), ttlArg(ttlMs)]);
    },
    async delete(key) {
      return (await run<number>(lua.DELETE, [dataKey(key), idx], [key])) === 1;
    },
    async increment(key, delta) {
      const [done, stored] = await run<[number, Buffer | null]>(lua.INCREMENT, [dataKey(key), idx], [String(delta), key]);
      if (stored === null) throw typeMismatch(key, `'${key}' cannot be incremented`);
      const current = decodeValue(key, stored);
      if (done === 1) return current as bigint;
      if (typeof current === 'bigint') throw typeMismatch(key, `incrementing '${key}' leaves the s64 range`);
      throw typeMismatch(key, `value of '${key}' is ${typeName(current)}, not an s64`);
    },
    async compareAndSwap(key, expected, desired, ttlMs) {
      const args = [
        base,
        key,
        expected === undefined ? '0' : '1',
        expected === undefined ? '' : encodeValue(expected),
        desired === undefined ? '0' : '1',
        desired === undefined ? '' : encodeValue(desired),
        ttlArg(ttlMs),
      ];
      return (await run<number>(lua.COMPARE_AND_SWAP, [dataKey(key), idx, exp], args)) === 1;
    },
    async expire(key, ttlMs) {
      return (await run<number>(lua.EXPIRE, [dataKey(key), idx, exp], [base, key, ttlArg(ttlMs)])) === 1;
    },
    async ttl(key) {
      const ms = await send<number>(['PTTL', dataKey(key)]);
      if (ms === -2) return undefined;
      return ms === -1 ? { kind: 'never' } : { kind: 'after-ms', ms };
    },
    async scan({ prefix: start, after, limit }) {
      const from = after === undefined ? (start === '' ? '-' : `[${start}`) : `(${after}`;
      const to = start === '' ? '+' : Buffer.concat([Buffer.from('('), prefixEnd(start)]);
      const flat = await run<Buffer[]>(lua.SCAN, [idx], [base, from, to, String(limit)]);
      const entries: KvEntry[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const key = (flat[i] as Buffer).toString('utf8');
        entries.push({ key, value: decodeValue(key, flat[i + 1] as Buffer) });
      }
      return entries;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      const stored = await send<(Buffer | null)[]>(['MGET', ...keys.map(dataKey)]);
      return stored.map((value, i) => (value === null ? undefined : decodeValue(keys[i] as string, value)));
    },
    async setMany(entries, ttlMs) {
      if (entries.length === 0) return;
      const keys = [idx, exp];
      const args: (string | Buffer)[] = [base, ttlArg(ttlMs)];
      for (const { key, value } of entries) {
        keys.push(dataKey(key));
        args.push(key, encodeValue(value as KvValue));
      }
      await run(lua.SET_MANY, keys, args);
    },
    async deleteMany(keys) {
      if (keys.length === 0) return 0;
      return run<number>(lua.DELETE_MANY, [idx, ...keys.map(dataKey)], [...keys]);
    },
  };
  return defineKv(driver);
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
