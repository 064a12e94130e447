import { err, ok, type SqlListener } from '@keel/core';
import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import type { SqlHarness } from './sql-harness.js';

/** `sql.notifications`: listeners on one connection woken by notifies from another, after commit only. */
export function sqlNotificationTests(h: SqlHarness): void {
  h.test('offers sql.notifications exactly when it declares notifications', async () => {
    const sql = await h.sql();
    expect(sql.notifications !== undefined).toBe(h.options.capabilities.notifications === true);
  });

  h.test(
    'a notify reaches every listener, from another connection too, and only after its transaction commits',
    async () => {
      const { instance: here, context } = await h.create();
      const there = await h.reopen(context);
      const channel = `keel_suite_${context.id.replace(/\W/g, '_').toLowerCase()}`.slice(0, 63);
      const first = recorder();
      const second = recorder();
      const a = expectOk(await here.notifications!.listen(channel, first.push));
      const b = expectOk(await there.notifications!.listen(channel, second.push));

      expectOk(await there.notifications!.notify(channel, 'direct'));
      await first.until(['direct']);
      await second.until(['direct']);

      expectOk(
        await there.transaction(async (tx) => {
          expectOk(await there.notifications!.notify(channel, 'committed', tx));
          await settle();
          expect(first.seen).toEqual(['direct']); // not before the commit
          return ok(undefined);
        }),
      );
      await first.until(['direct', 'committed']);

      const rolledBack = await there.transaction(async (tx) => {
        expectOk(await there.notifications!.notify(channel, 'rolled-back', tx));
        return err('changed my mind');
      });
      expect(rolledBack.isErr()).toBe(true);
      expectOk(await here.notifications!.notify(channel, 'last'));
      await first.until(['direct', 'committed', 'last']);
      await second.until(['direct', 'committed', 'last']);
      await Promise.all([a.close(), b.close()]);
    },
    'notifications',
  );

  h.test(
    'a closed listener hears nothing more; names and payloads are checked; calls after close are NOT_OPEN',
    async () => {
      const { instance: sql, context } = await h.create();
      const channel = `keel_closed_${context.id.replace(/\W/g, '_').toLowerCase()}`.slice(0, 63);
      const heard = recorder();
      const listener: SqlListener = expectOk(await sql.notifications!.listen(channel, heard.push));
      const other = recorder();
      const watcher = expectOk(await sql.notifications!.listen(channel, other.push));
      await listener.close();
      await listener.close(); // idempotent
      expectOk(await sql.notifications!.notify(channel, 'after'));
      await other.until(['after']);
      expect(heard.seen).toEqual([]);
      await watcher.close();

      for (const bad of ['Upper', '1starts_with_digit', 'has space', 'x'.repeat(64), ''])
        expectErr(await sql.notifications!.notify(bad, ''), 'INVALID_PARAMETER');
      expectErr(await sql.notifications!.listen('drop table', () => {}), 'INVALID_PARAMETER');
      expectErr(await sql.notifications!.notify(channel, 'x'.repeat(8000)), 'INVALID_PARAMETER');
      await sql.close();
      expectErr(await sql.notifications!.listen(channel, () => {}), 'NOT_OPEN');
      expectErr(await sql.notifications!.notify(channel, ''), 'NOT_OPEN');
    },
    'notifications',
  );
}

/** Collects payloads; `until` waits (bounded) for exactly the expected list. */
function recorder() {
  const seen: string[] = [];
  return {
    seen,
    push: (payload: string) => {
      seen.push(payload);
    },
    async until(expected: string[]): Promise<void> {
      for (let waited = 0; waited < 5000 && seen.length < expected.length; waited += 10) await settle(10);
      await settle(20); // a stray extra would show now
      expect(seen).toEqual(expected);
    },
  };
}

function settle(ms = 30): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
