import { expect } from 'vitest';
import { expectErr, expectOk } from './expect-result.js';
import type { SqlHarness } from './sql-harness.js';

/**
 * Contract tests about waiting for the connection: through `sql.sync` such a call is `BUSY`
 * instead (tested below), so the run of the suite through `sql.sync` skips them.
 */
export const waitingTests = {
  'statements outside a transaction never see or join it':
    'a statement that would wait is BUSY through sql.sync (see the sql.sync tests)',
  'concurrent transfers with awaits inside keep the total exact':
    'a transaction that would wait is BUSY through sql.sync (see the sql.sync tests)',
  'close rolls back an open transaction and lets the calls waiting on it finish':
    'nothing waits through sql.sync (see the sql.sync tests)',
} as const;

/** What `sql.sync` promises beyond being the same contract (which the suite run through it shows). */
export function sqlSyncTests(h: SqlHarness): void {
  h.test('offers sql.sync exactly when it declares synchronous', async () => {
    const sql = await h.sql();
    expect(sql.sync !== undefined).toBe(h.options.capabilities.synchronous);
  });

  h.test(
    'sql.sync answers at once, opens the database, and is NOT_OPEN after close',
    async () => {
      const sql = await h.sql();
      const first = sql.sync!.query('SELECT 1 AS one');
      expect(typeof (first as { then?: unknown }).then).toBe('undefined');
      expect(expectOk(first).columns).toEqual(['one']);
      await sql.close();
      expectErr(sql.sync!.query('SELECT 1'), 'NOT_OPEN');
      expectErr(sql.sync!.begin(), 'NOT_OPEN');
    },
    'synchronous',
  );

  h.test('sql.sync is BUSY while an async transaction holds the connection, and answers after it ends', async () => {
    const sql = await h.withSchema();
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('INSERT INTO accounts (owner, balance) VALUES (?, ?)', ['held', 1]));
    expectErr(sql.sync!.query('SELECT count(*) FROM accounts'), 'BUSY');
    expectErr(sql.sync!.begin(), 'BUSY');
    expectOk(await tx.commit());
    expect(expectOk(sql.sync!.query('SELECT owner FROM accounts')).rows).toEqual([['held']]);
  }, ['synchronous', 'transactions']);

  h.test('a sql.sync transaction holds the connection: async statements wait for its end', async () => {
    const sql = await h.withSchema();
    const tx = expectOk(sql.sync!.begin());
    expectOk(tx.execute('INSERT INTO accounts (owner, balance) VALUES (?, ?)', ['sync', 5]));
    const savepoint = expectOk(tx.begin());
    expectOk(savepoint.execute('UPDATE accounts SET balance = 6'));
    expectErr(tx.commit(), 'TRANSACTION');
    expectOk(savepoint.commit());
    const outside = sql.query('SELECT balance FROM accounts');
    expectOk(tx.commit());
    expect(expectOk(await outside).rows).toEqual([[6]]);
    expectErr(tx.rollback(), 'TRANSACTION');
  }, ['synchronous', 'transactions']);
}
