import { redisKvAdapter } from '@keel/adapter-kv-redis';
import { createKeel } from '@keel/core';
import { expectOk, privateRedis } from '@keel/testing';
import { expect } from 'vitest';
import { describeCrashUnderLoad } from './fixtures/crash-under-load.js';

// A Redis of the test's own, SIGKILLed under a steady load of acknowledged increments and
// restarted, while the app's Keel (the same one throughout) keeps calling. The server logs every
// write to its append-only file and fsyncs before replying (`appendonly yes`, `appendfsync
// always`): without that Redis itself would lose acknowledged writes to a kill, and this test
// would measure Redis's configuration instead of the adapter.
describeCrashUnderLoad({
  server: 'Redis',
  servers: privateRedis(),
  serverOptions: { appendOnly: true },
  start: async (url) =>
    expectOk(
      await createKeel(
        { kv: { adapter: 'redis', options: { url, keyPrefix: 'faults:', commandTimeoutMs: 1000 } } },
        { adapters: [redisKvAdapter], env: false },
      ),
    ),
  // One counter per write: an increment applied twice (a resent command) must show as 2.
  write: (app, id) => app.kv.increment(`write:${id}`),
  failures: 8,
  downCodes: ['UNAVAILABLE'],
  async verify(app, load) {
    const ids = [...load.attempted];
    const copies = new Map<string, unknown>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = expectOk(await app.kv.getMany(chunk.map((id) => `write:${id}`)));
      for (const [j, id] of chunk.entries()) copies.set(id, values[j]);
    }
    expect([...copies].filter(([, value]) => value !== undefined && value !== 1n)).toEqual([]);
    expect([...load.acknowledged].filter((id) => copies.get(id) !== 1n)).toEqual([]);
  },
});
