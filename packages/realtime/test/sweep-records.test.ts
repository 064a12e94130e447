// What a sweep does with each record it finds, on the memory adapters: stale ones lose their
// consumers and go, fresh ones stay, damaged ones go alone, and a failed delete keeps the record.
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { startFixture } from './support/fixture.js';

describe('realtime.sweep', () => {
  it('deletes stale records with their consumers, keeps fresh ones, drops damaged ones', async () => {
    const messaging = createMemoryMessaging();
    const kv = createMemoryKv();
    const f = await startFixture(messaging, { kv, leaseMs: 60_000 });
    try {
      for (const name of ['sse-stale', 'sse-fresh'])
        expectOk(await messaging.ensureConsumer({ subject: 'workspace.1.a', name }));
      const record = (renewedAt: number) => JSON.stringify({ subjects: ['workspace.1.a'], renewedAt });
      expectOk(await kv.set('keel-realtime:sse-stale', record(Date.now() - 120_000)));
      expectOk(await kv.set('keel-realtime:sse-fresh', record(Date.now())));
      expectOk(await kv.set('keel-realtime:sse-damaged', '{"subjects":"workspace.1.a"'));
      expectOk(await kv.set('keel-realtime:sse-wrong', JSON.stringify({ subjects: [1], renewedAt: 0 })));
      expectOk(await kv.set('other:sse-stale', record(0)));

      expect(await f.realtime.sweep()).toEqual({ swept: 1, failed: 0 });
      expectErr(await messaging.pull('workspace.1.a', 'sse-stale'), 'NOT_FOUND');
      expectOk(await messaging.pull('workspace.1.a', 'sse-fresh'));
      const keys = expectOk(await kv.scan({})).entries.map((e) => e.key);
      expect(keys).toEqual(['keel-realtime:sse-fresh', 'other:sse-stale']);
    } finally {
      await f.close();
      await messaging.close();
    }
  });

  it('keeps a record whose consumers it could not delete, for the next sweep', async () => {
    const messaging = createMemoryMessaging();
    const kv = createMemoryKv();
    const f = await startFixture(messaging, { kv });
    await messaging.close(); // deleteConsumer is now NOT_OPEN
    expectOk(await kv.set('keel-realtime:sse-x', JSON.stringify({ subjects: ['a'], renewedAt: 0 })));
    expect(await f.realtime.sweep()).toEqual({ swept: 0, failed: 1 });
    expect(expectOk(await kv.get('keel-realtime:sse-x'))).toBeDefined();
    await f.close();
  });

  it('needs a kv', async () => {
    const f = await startFixture(createMemoryMessaging());
    await expect(f.realtime.sweep()).rejects.toThrow(TypeError);
    await f.close();
  });
});
