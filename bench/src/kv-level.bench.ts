import { createLevelKv } from '@keel/adapter-kv-level';
import { okAsync } from '@keel/core';
import KeyvSqlite from '@keyv/sqlite';
import { ClassicLevel } from 'classic-level';
import Keyv from 'keyv';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from 'unstorage';
import fsDriver from 'unstorage/drivers/fs';
import { compare } from './harness.js';

/**
 * Keel's LevelDB kv against raw classic-level (the same engine, the calls Keel makes), and the
 * persistent stores a Node user would otherwise pick: keyv 5 on SQLite and unstorage on files.
 * Every store lives in one temporary folder, removed at the end.
 */
export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'keel-bench-kv-level-'));
  try {
    await runIn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function runIn(root: string): Promise<void> {
  const count = 10_000;
  const keys = Array.from({ length: count }, (_, i) => `user:${i}`);
  const text = (i: number) => `{"id":${i},"name":"user ${i}","plan":"pro"}`;

  const raw = new ClassicLevel<string, Buffer>(join(root, 'raw'), { valueEncoding: 'buffer' });
  const rawSync = new ClassicLevel<string, Buffer>(join(root, 'raw-sync'), { valueEncoding: 'buffer' });
  const kv = createLevelKv({ location: join(root, 'keel') });
  const kvSync = createLevelKv({ location: join(root, 'keel-sync'), sync: true });
  // keyv's SQLite store with the settings a user tuning for speed would pick (WAL, no fsync per
  // commit: what LevelDB's default does), and as it comes (rollback journal, fsync per commit).
  const keyvStore = new KeyvSqlite({ uri: `sqlite://${join(root, 'keyv.sqlite')}` });
  await keyvStore.query('PRAGMA journal_mode = WAL');
  await keyvStore.query('PRAGMA synchronous = NORMAL');
  const keyv = new Keyv<string>({ store: keyvStore });
  const keyvDefault = new Keyv<string>({
    store: new KeyvSqlite({ uri: `sqlite://${join(root, 'keyv-default.sqlite')}` }),
  });
  const storage = createStorage({ driver: fsDriver({ base: join(root, 'unstorage') }) });

  await raw.open();
  await rawSync.open();
  const value = Buffer.from(text(0));
  for (let i = 0; i < count; i += 1000) {
    const slice = keys.slice(i, i + 1000);
    await raw.batch(slice.map((key, j) => ({ type: 'put' as const, key, value: Buffer.from(text(i + j)) })));
    (await kv.setMany(slice.map((key, j) => ({ key, value: text(i + j) })))).isOk();
    await keyv.setMany(slice.map((key, j) => ({ key, value: text(i + j) })));
  }
  for (const [i, key] of keys.entries()) await storage.setItem(key, text(i));

  let n = 0;
  const next = () => keys[n++ % count] as string;

  await compare(
    'kv-level: get (10k keys, values ~45 B)',
    [
      { name: 'raw classic-level getSync', fn: () => raw.getSync(next()) },
      { name: 'raw classic-level getSync (awaited)', fn: async () => raw.getSync(next()) },
      // The least any call returning a ResultAsync costs: the raw read, wrapped and awaited.
      { name: 'raw getSync in okAsync (awaited)', fn: async () => (await okAsync(raw.getSync(next()))).isOk() },
      { name: 'raw classic-level get (async)', fn: () => raw.get(next()) },
      { name: 'keel level get', fn: async () => (await kv.get(next())).isOk() },
      { name: 'keyv 5 + @keyv/sqlite get (WAL)', fn: () => keyv.get(next()) },
      { name: 'unstorage fs getItem', fn: () => storage.getItem(next()) },
    ],
    { rounds: 11 },
  );

  await compare('kv-level: put (10k keys, overwrite, no fsync)', [
    { name: 'raw classic-level put', fn: () => raw.put(next(), value) },
    { name: 'keel level set', fn: async () => (await kv.set(next(), 'v')).isOk() },
    { name: 'keyv 5 + @keyv/sqlite set (WAL, synchronous=NORMAL)', fn: () => keyv.set(next(), 'v') },
    { name: 'unstorage fs setItem', fn: () => storage.setItem(next(), 'v') },
  ]);

  await compare(
    'kv-level: put with fsync per write',
    [
      { name: 'raw classic-level put { sync: true }', fn: () => rawSync.put(next(), value, { sync: true }) },
      { name: 'keel level set (sync: true)', fn: async () => (await kvSync.set(next(), 'v')).isOk() },
      { name: 'keyv 5 + @keyv/sqlite set (defaults)', fn: () => keyvDefault.set(next(), 'v') },
    ],
    { rounds: 5 },
  );

  let b = 0;
  const batch = () => {
    const start = (b++ % 10) * 1000;
    return keys.slice(start, start + 1000);
  };
  await compare('kv-level: batch of 1000 puts (rows/s)', [
    {
      // What Keel uses: a chained batch, one native call per put, one atomic write.
      name: 'raw classic-level chained batch',
      fn: () => {
        const chained = raw.batch();
        for (const key of batch()) chained.put(key, value);
        return chained.write();
      },
      opsPerCall: 1000,
    },
    {
      name: 'raw classic-level array batch',
      fn: () => raw.batch(batch().map((key) => ({ type: 'put' as const, key, value }))),
      opsPerCall: 1000,
    },
    {
      name: 'keel level setMany',
      fn: async () => (await kv.setMany(batch().map((key) => ({ key, value: 'v' })))).isOk(),
      opsPerCall: 1000,
    },
    {
      name: 'keyv 5 + @keyv/sqlite setMany (WAL)',
      fn: () => keyv.setMany(batch().map((key) => ({ key, value: 'v' }))),
      opsPerCall: 1000,
    },
  ]);

  // The iterator Keel opens: byte bounds for the prefix, keys decoded to strings by the binding
  // (a pass-through 'utf8' encoding), 1 MiB read-ahead.
  const stringKeys = {
    name: 'byte-bounds-utf8-keys',
    format: 'utf8',
    encode: (b: Buffer) => b,
    decode: (k: Buffer) => k,
  } as const;
  const range = { gte: Buffer.from('user:'), lt: Buffer.from('user;'), highWaterMarkBytes: 1 << 20, limit: count + 1 };
  await compare('kv-level: scan of 10k keys (entries/s)', [
    {
      name: 'raw classic-level iterator (as Keel opens it)',
      fn: () => raw.iterator<Buffer, Buffer>({ ...range, keyEncoding: stringKeys }).all(),
      opsPerCall: count,
    },
    {
      name: 'raw classic-level iterator (Buffer keys)',
      fn: () => raw.iterator<Buffer, Buffer>({ ...range, keyEncoding: 'buffer' }).all(),
      opsPerCall: count,
    },
    {
      name: 'keel level scan (limit 10000)',
      fn: async () => (await kv.scan({ prefix: 'user:', limit: 10_000 })).isOk(),
      opsPerCall: count,
    },
  ]);

  await Promise.all([
    kv.close(),
    kvSync.close(),
    raw.close(),
    rawSync.close(),
    keyv.disconnect(),
    keyvDefault.disconnect(),
    storage.dispose(),
  ]);
}
