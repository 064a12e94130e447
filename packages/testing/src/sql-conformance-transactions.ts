import { err, ok, type Result } from '@keel/core';
import { expect } from 'vitest';
import type { Sql, SqlTransaction } from '@keel/core';
import { expectErr, expectOk } from './expect-result.js';
import type { SqlHarness } from './sql-harness.js';

const count = async (sql: Sql) => expectOk(await sql.query('SELECT count(*) FROM accounts')).rows[0]?.[0];
const insert = 'INSERT INTO accounts (owner, balance) VALUES (?, ?)';

export function transactionTests(h: SqlHarness): void {
  h.test(
    'commit keeps and rollback discards',
    async () => {
      const sql = await h.withSchema();
      const a = expectOk(await sql.begin());
      expect(a.depth).toBe(1);
      expectOk(await a.execute(insert, ['kept', 1]));
      expectOk(await a.commit());
      const b = expectOk(await sql.begin());
      expectOk(await b.execute(insert, ['dropped', 1]));
      expect(expectOk(await b.query('SELECT count(*) FROM accounts')).rows).toEqual([[2]]);
      expectOk(await b.rollback());
      expect(await count(sql)).toBe(1);
    },
    'transactions',
  );

  h.test(
    'transaction(fn) commits on Ok, rolls back on Err and on a throw',
    async () => {
      const sql = await h.withSchema();
      expect(
        expectOk(await sql.transaction(async (tx) => (await tx.execute(insert, ['a', 1])).map(() => 'done'))),
      ).toBe('done');
      const failed = await sql.transaction(async (tx) => {
        expectOk(await tx.execute(insert, ['b', 1]));
        return err({ code: 'APP_RULE' as const });
      });
      expect(failed.isErr() && failed.error).toEqual({ code: 'APP_RULE' });
      const thrown = await sql.transaction(async (tx) => {
        expectOk(await tx.execute(insert, ['c', 1]));
        throw new Error('boom');
      });
      expectErr(thrown, 'TRANSACTION');
      expect(expectOk(await sql.query('SELECT owner FROM accounts')).rows).toEqual([['a']]);
    },
    'transactions',
  );

  h.test(
    'a nested transaction is a savepoint',
    async () => {
      const sql = await h.withSchema();
      const result = await sql.transaction(async (tx) => {
        expectOk(await tx.execute(insert, ['outer', 1]));
        const inner = await tx.transaction(async (nested) => {
          expect(nested.depth).toBe(2);
          expectOk(await nested.execute(insert, ['inner', 1]));
          return err('undo inner');
        });
        expect(inner.isErr()).toBe(true);
        const kept = await tx.transaction(async (nested) => nested.execute(insert, ['inner-kept', 1]));
        expectOk(kept);
        return ok(undefined);
      });
      expectOk(result);
      expect(expectOk(await sql.query('SELECT owner FROM accounts ORDER BY owner')).rows).toEqual([
        ['inner-kept'],
        ['outer'],
      ]);
    },
    'savepoints',
  );

  h.test(
    'a finished transaction refuses further use',
    async () => {
      const sql = await h.withSchema();
      const tx = expectOk(await sql.begin());
      expectOk(await tx.commit());
      expectErr(await tx.execute(insert, ['late', 1]), 'TRANSACTION');
      expectErr(await tx.commit(), 'TRANSACTION');
      expectErr(await tx.rollback(), 'TRANSACTION');
    },
    'transactions',
  );

  h.test(
    'the parent waits while a savepoint is open',
    async () => {
      const sql = await h.withSchema();
      const tx = expectOk(await sql.begin());
      const child = expectOk(await tx.begin());
      expectErr(await tx.execute(insert, ['parent', 1]), 'TRANSACTION');
      expectErr(await tx.commit(), 'TRANSACTION');
      expectOk(await child.commit());
      expectOk(await tx.execute(insert, ['parent', 1]));
      expectOk(await tx.commit());
      expect(await count(sql)).toBe(1);
    },
    'savepoints',
  );

  h.test(
    'the parent is refused from the moment begin() is called, not once the savepoint answers',
    async () => {
      const sql = await h.withSchema();
      const tx = expectOk(await sql.begin());
      const beginning = tx.begin();
      // Sent before the savepoint's answer: it must not land inside the savepoint.
      expectErr(await tx.execute(insert, ['parent', 1]), 'TRANSACTION');
      const child = expectOk(await beginning);
      expectOk(await child.rollback());
      expectOk(await tx.commit());
      expect(await count(sql)).toBe(0);
    },
    'savepoints',
  );

  h.test(
    'rolling back the parent ends an open savepoint too',
    async () => {
      const sql = await h.withSchema();
      const tx = expectOk(await sql.begin());
      expectOk(await tx.execute(insert, ['parent', 1]));
      const child = expectOk(await tx.begin());
      expectOk(await child.execute(insert, ['child', 1]));
      expectOk(await tx.rollback());
      expectErr(await child.execute(insert, ['late', 1]), 'TRANSACTION');
      expectErr(await child.commit(), 'TRANSACTION');
      expect(await count(sql)).toBe(0);
    },
    'savepoints',
  );

  h.test(
    'a savepoint rolled back keeps the parent usable',
    async () => {
      const sql = await h.withSchema();
      const tx = expectOk(await sql.begin());
      expectOk(await tx.execute(insert, ['parent', 1]));
      const child = expectOk(await tx.begin());
      expectOk(await child.execute(insert, ['child', 1]));
      expectOk(await child.rollback());
      const again = expectOk(await tx.begin());
      expectOk(await again.execute(insert, ['second child', 1]));
      expectOk(await again.commit());
      expectOk(await tx.commit());
      expect(expectOk(await sql.query('SELECT owner FROM accounts ORDER BY owner')).rows).toEqual([
        ['parent'],
        ['second child'],
      ]);
    },
    'savepoints',
  );

  h.test(
    'a body that returns no Result rolls back and is an Err',
    async () => {
      const sql = await h.withSchema();
      const result = await sql.transaction((async (tx: SqlTransaction) => {
        expectOk(await tx.execute(insert, ['forgot to return', 1]));
      }) as unknown as (tx: SqlTransaction) => Promise<Result<void, never>>);
      expectErr(result, 'TRANSACTION');
      expect(await count(sql)).toBe(0);
      // The transaction ended: the database is free for the next one.
      expectOk(await sql.transaction(async (tx) => tx.execute(insert, ['next', 1])));
    },
    'transactions',
  );

  h.test(
    'statements outside a transaction never see or join it',
    async () => {
      const sql = await h.withSchema();
      const tx = expectOk(await sql.begin());
      expectOk(await tx.execute(insert, ['uncommitted', 1]));
      // Started while the transaction is open; must not run inside it.
      const outside = sql.execute(insert, ['outside', 1]);
      const outsideCount = sql.query('SELECT count(*) FROM accounts WHERE owner = ?', ['uncommitted']);
      expectOk(await tx.rollback());
      expectOk(await outside);
      expect(expectOk(await outsideCount).rows).toEqual([[0]]);
      expect(expectOk(await sql.query('SELECT owner FROM accounts')).rows).toEqual([['outside']]);
    },
    'transactions',
  );

  h.test(
    'concurrent transfers with awaits inside keep the total exact',
    async () => {
      const sql = await h.withSchema();
      const accounts = 5;
      for (let i = 1; i <= accounts; i++)
        expectOk(await sql.execute('INSERT INTO accounts (id, owner, balance) VALUES (?, ?, 1000)', [i, `o${i}`]));
      const transfer = (n: number) =>
        sql.transaction(async (tx) => {
          const from = (n % accounts) + 1;
          const to = ((n * 7) % accounts) + 1;
          // PostgreSQL runs transactions side by side (read committed): lock both rows, in one
          // order so that two transfers never deadlock, before reading what to write back.
          if (h.dialect === 'postgres')
            expectOk(await tx.query('SELECT id FROM accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE', [from, to]));
          const [[balance]] = expectOk(await tx.query('SELECT balance FROM accounts WHERE id = ?', [from])).rows as [
            [number],
          ];
          await new Promise((resolve) => setImmediate(resolve));
          const amount = Math.min(balance, (n % 13) + 1);
          expectOk(await tx.execute('UPDATE accounts SET balance = ? WHERE id = ?', [balance - amount, from]));
          await new Promise((resolve) => setImmediate(resolve));
          return tx.execute('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, to]);
        });
      const results = await Promise.all(Array.from({ length: 200 }, (_, n) => transfer(n)));
      for (const r of results) expectOk(r);
      // sum() of a PostgreSQL bigint is a numeric (read as text): cast back to the integer type.
      const total = `SELECT CAST(sum(balance) AS ${h.type('integer')}) FROM accounts`;
      expect(expectOk(await sql.query(total)).rows).toEqual([[accounts * 1000]]);
    },
    'transactions',
  );
}

export function sqlLifecycleTests(h: SqlHarness): void {
  h.test('every call after close is NOT_OPEN, and close is idempotent', async () => {
    const sql = await h.withSchema();
    await sql.close();
    await sql.close();
    expectErr(await sql.query('SELECT 1'), 'NOT_OPEN');
    expectErr(await sql.execute(insert, ['x', 1]), 'NOT_OPEN');
    expectErr(await sql.executeScript('SELECT 1'), 'NOT_OPEN');
    expectErr(await sql.begin(), 'NOT_OPEN');
    expectErr(await sql.open(), 'NOT_OPEN');
  });

  h.test(
    'close rolls back an open transaction and lets the calls waiting on it finish',
    async () => {
      const { instance: sql, context } = await h.create();
      expectOk(await sql.executeScript(`CREATE TABLE kept (v ${h.type('text')})`));
      const tx = expectOk(await sql.begin());
      expectOk(await tx.execute('INSERT INTO kept (v) VALUES (?)', ['uncommitted']));
      const waiting = sql.query('SELECT count(*) FROM kept');
      await sql.close();
      expect(expectOk(await waiting).rows).toEqual([[0]]);
      expectErr(await tx.execute('INSERT INTO kept (v) VALUES (?)', ['late']), 'NOT_OPEN');
      expectErr(await tx.commit(), 'NOT_OPEN');
      if (h.options.capabilities.persistent) {
        const again = await h.reopen(context);
        expect(expectOk(await again.query('SELECT count(*) FROM kept')).rows).toEqual([[0]]);
      }
    },
    'transactions',
  );

  h.test('health is ok while open and not after close', async () => {
    const sql = await h.sql();
    const healthy = await sql.health();
    expect(healthy.ok, healthy.error).toBe(true);
    await sql.close();
    expect((await sql.health()).ok).toBe(false);
  });

  h.test(
    'data survives close and reopen',
    async () => {
      const { instance: sql, context } = await h.create();
      expectOk(await sql.executeScript(`CREATE TABLE kept (v ${h.type('text')})`));
      expectOk(await sql.execute('INSERT INTO kept (v) VALUES (?)', ['still here']));
      await sql.close();
      const again = await h.reopen(context);
      expect(expectOk(await again.query('SELECT v FROM kept')).rows).toEqual([['still here']]);
    },
    'persistent',
  );
}
