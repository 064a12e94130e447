import { redisKvAdapter } from '@keel/adapter-kv-redis';
import { createKeel } from '@keel/core';
import { expectOk, type PrivateServer, privateRedis } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { crashAndRecover } from './fixtures/crash-and-recover.js';
import { startWriteLoad } from './fixtures/write-load.js';

// A Redis of the test's own, SIGKILLed under a steady load of acknowledged increments and
// restarted, while the app's Keel (the same one throughout) keeps calling. The server logs every
// write to its append-only file and fsyncs before replying (`appendonly yes`, `appendfsync
// always`): without that Redis itself would lose acknowledged writes to a kill, and this test
// would measure Redis's configuration instead of the adapter.
const redis = privateRedis();

const title = `a Redis crash under load${redis.skip ? ` — skipped: ${redis.skip}` : ''}`;

describe.skipIf(redis.skip)(title, () => {
  let server: PrivateServer | undefined;
  let keel: { close(): Promise<void> } | undefined;
  afterAll(async () => {
    await keel?.close();
    await server?.stop();
  }, 60_000);

  it('fails calls while down, recovers by itself, and keeps every acknowledged write exactly once', async () => {
    server = await redis.server!.start({ appendOnly: true });
    const started = await createKeel(
      { kv: { adapter: 'redis', options: { url: server.url, keyPrefix: 'faults:', commandTimeoutMs: 1000 } } },
      { adapters: [redisKvAdapter], env: false },
    );
    const app = expectOk(started);
    keel = app;

    // One counter per write: an increment applied twice (a resent command) must show as 2.
    const load = startWriteLoad((id) => app.kv.increment(`write:${id}`), { workers: 4, boundMs: 30_000 });
    const report = await crashAndRecover(server, load, { steady: 100, failures: 8, giveUpMs: 45_000 }).finally(() =>
      load.stop(),
    );

    expect(report.before).toEqual({});
    // Down means UNAVAILABLE, for the writes in flight at the kill as for those after it; never a hang.
    expect(Object.keys(report.whileDown)).toEqual(['UNAVAILABLE']);
    expect(Object.keys(report.afterRestart).filter((code) => code !== 'UNAVAILABLE')).toEqual([]);

    const ids = [...load.attempted];
    const copies = new Map<string, unknown>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = expectOk(await app.kv.getMany(chunk.map((id) => `write:${id}`)));
      for (const [j, id] of chunk.entries()) copies.set(id, values[j]);
    }
    expect([...copies].filter(([, value]) => value !== undefined && value !== 1n)).toEqual([]);
    expect([...load.acknowledged].filter((id) => copies.get(id) !== 1n)).toEqual([]);
    expect(load.acknowledged.size).toBeGreaterThanOrEqual(200);
  }, 120_000);
});
