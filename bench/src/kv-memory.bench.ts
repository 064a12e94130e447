import { createMemoryKv } from '@keel/adapter-kv-memory';
import Keyv from 'keyv';
import { createStorage } from 'unstorage';
import memoryDriver from 'unstorage/drivers/memory';
import type { KvSync } from '@keel/core';
import { compare } from './harness.js';

/** Keel's in-memory kv against a raw Map and the in-memory stores a user would otherwise pick. */
export async function run(): Promise<void> {
  const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);
  const map = new Map<string, string>();
  const kv = createMemoryKv();
  const keyv = new Keyv<string>();
  const storage = createStorage({ driver: memoryDriver() });
  for (const key of keys) {
    map.set(key, key);
    await kv.set(key, key);
    await keyv.set(key, key);
    await storage.setItem(key, key);
  }
  const sync = kv.sync as KvSync;
  let i = 0;
  const next = () => keys[i++ % keys.length] as string;

  await compare('kv-memory: get (10k keys, awaited)', [
    { name: 'raw Map.get (sync)', fn: () => map.get(next()) },
    { name: 'raw Map.get (awaited)', fn: async () => map.get(next()) },
    { name: 'keel memory get', fn: async () => (await kv.get(next())).isOk() },
    { name: 'keel memory kv.sync.get (sync)', fn: () => sync.get(next()).isOk() },
    { name: 'keyv 5 memory get', fn: () => keyv.get(next()) },
    { name: 'unstorage memory getItem', fn: () => storage.getItem(next()) },
  ]);
  await compare('kv-memory: set (10k keys, awaited)', [
    { name: 'raw Map.set (sync)', fn: () => map.set(next(), 'v') },
    { name: 'raw Map.set (awaited)', fn: async () => map.set(next(), 'v') },
    { name: 'keel memory set', fn: async () => (await kv.set(next(), 'v')).isOk() },
    { name: 'keel memory kv.sync.set (sync)', fn: () => sync.set(next(), 'v').isOk() },
    { name: 'keyv 5 memory set', fn: () => keyv.set(next(), 'v') },
    { name: 'unstorage memory setItem', fn: () => storage.setItem(next(), 'v') },
  ]);
  await kv.close();
}
