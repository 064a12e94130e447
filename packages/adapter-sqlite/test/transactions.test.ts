import { err, ok, type Result, type Sql, type SqlError, type SqlTransaction } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqliteSql, type SqliteSqlOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-tx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const opened: Sql[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
});
async function open(options: Partial<SqliteSqlOptions> = {}): Promise<Sql> {
  const sql = createSqliteSql({ filename: join(dir, `tx-${counter++}.db`), ...options });
  opened.push(sql);
  expectOk(await sql.executeScript('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)'));
  return sql;
}
const values = async (sql: Sql) => expectOk(await sql.query('SELECT v FROM t ORDER BY id')).rows.map((r) => r[0]);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the transaction queue', () => {
  it('runs waiting work in the order it was asked for', async () => {
    const sql = await open();
    const order: string[] = [];
    const first = expectOk(await sql.begin());
    const calls = [
      sql.execute("INSERT INTO t (v) VALUES ('outside 1')").map(() => order.push('outside 1')),
      sql.transaction(async (tx) => {
        order.push('second transaction');
        await tick();
        return tx.execute("INSERT INTO t (v) VALUES ('second')");
      }),
      sql.query('SELECT count(*) FROM t').map((r) => order.push(`count ${r.rows[0]?.[0]}`)),
    ];
    await tick();
    expectOk(await first.execute("INSERT INTO t (v) VALUES ('first')"));
    expect(order).toEqual([]);
    expectOk(await first.commit());
    for (const call of await Promise.all(calls)) expectOk(call as Result<unknown, SqlError>);
    expect(order).toEqual(['outside 1', 'second transaction', 'count 3']);
    expect(await values(sql)).toEqual(['first', 'outside 1', 'second']);
  });

  it('rolls back a transaction left open past transactionTimeoutMs and moves on', async () => {
    const sql = await open({ transactionTimeoutMs: 50 });
    const abandoned = expectOk(await sql.begin());
    expectOk(await abandoned.execute("INSERT INTO t (v) VALUES ('never committed')"));
    // Waits for the abandoned transaction, then runs once it is rolled back.
    expectOk(await sql.execute("INSERT INTO t (v) VALUES ('after')"));
    expect(await values(sql)).toEqual(['after']);
    const late = expectErr(await abandoned.execute("INSERT INTO t (v) VALUES ('late')"), 'TRANSACTION');
    expect(late.message).toMatch(/transactionTimeoutMs \(50 ms\)/);
    expectErr(await abandoned.commit(), 'TRANSACTION');
    expectErr(await abandoned.rollback(), 'TRANSACTION');
    expect((await sql.health()).detail).toMatchObject({ transactionOpen: false, waiting: 0 });
  });

  it('a transaction(fn) whose body never settles times out and is an Err; the next one runs', async () => {
    const sql = await open({ transactionTimeoutMs: 50 });
    let stuck = true;
    const hung = sql.transaction(async (tx) => {
      expectOk(await tx.execute("INSERT INTO t (v) VALUES ('hung')"));
      while (stuck) await new Promise((resolve) => setTimeout(resolve, 5));
      return tx.execute("INSERT INTO t (v) VALUES ('too late')");
    });
    expectOk(await sql.transaction(async (tx) => tx.execute("INSERT INTO t (v) VALUES ('next')")));
    stuck = false;
    expectErr(await hung, 'TRANSACTION');
    expect(await values(sql)).toEqual(['next']);
  });

  it('a savepoint timed out with its transaction refuses further use', async () => {
    const sql = await open({ transactionTimeoutMs: 30 });
    const tx = expectOk(await sql.begin());
    const savepoint = expectOk(await tx.begin());
    expectOk(await savepoint.execute("INSERT INTO t (v) VALUES ('inner')"));
    expectOk(await sql.query('SELECT 1'));
    expectErr(await savepoint.execute("INSERT INTO t (v) VALUES ('late')"), 'TRANSACTION');
    expectErr(await savepoint.commit(), 'TRANSACTION');
    expect(await values(sql)).toEqual([]);
  });

  it('a begin waiting at close is NOT_OPEN, and close does not wait for the timeout', async () => {
    const sql = await open({ transactionTimeoutMs: 600_000 });
    const tx = expectOk(await sql.begin());
    const waitingBegin = sql.begin();
    const waitingQuery = sql.query('SELECT count(*) FROM t');
    await sql.close();
    expectErr(await waitingBegin, 'NOT_OPEN');
    expectOk(await waitingQuery);
    expectErr(await tx.commit(), 'NOT_OPEN');
  });
});

describe('transactions SQLite ends by itself', () => {
  it('an OR ROLLBACK conflict ends the transaction; later calls are TRANSACTION and the queue moves on', async () => {
    const sql = await open();
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute("INSERT INTO t (v) VALUES ('a')"));
    const waiting = sql.execute("INSERT INTO t (v) VALUES ('outside')");
    expectErr(await tx.execute("INSERT OR ROLLBACK INTO t (v) VALUES ('a')"), 'CONSTRAINT_VIOLATION');
    expectOk(await waiting);
    expectErr(await tx.execute("INSERT INTO t (v) VALUES ('b')"), 'TRANSACTION');
    expect(await values(sql)).toEqual(['outside']);
  });

  it('an ordinary failed statement leaves the transaction usable', async () => {
    const sql = await open();
    const result = await sql.transaction(async (tx) => {
      expectOk(await tx.execute("INSERT INTO t (v) VALUES ('a')"));
      expectErr(await tx.execute("INSERT INTO t (v) VALUES ('a')"), 'CONSTRAINT_VIOLATION');
      return tx.execute("INSERT INTO t (v) VALUES ('b')");
    });
    expectOk(result);
    expect(await values(sql)).toEqual(['a', 'b']);
  });

  it('a deferred foreign key fails the commit; the transaction can still be rolled back', async () => {
    const sql = await open();
    expectOk(
      await sql.executeScript(
        'CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED)',
      ),
    );
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('INSERT INTO child (t_id) VALUES (?)', [42]));
    const failed = expectErr(await tx.commit(), 'CONSTRAINT_VIOLATION');
    expect(failed.constraint).toBe('foreign-key');
    expectOk(await tx.rollback());
    expect(expectOk(await sql.query('SELECT count(*) FROM child')).rows).toEqual([[0]]);
    // transaction(fn) does the same by itself.
    const viaRunner = await sql.transaction(async (inner) =>
      inner.execute('INSERT INTO child (t_id) VALUES (?)', [43]),
    );
    expect(expectErr(viaRunner, 'CONSTRAINT_VIOLATION').constraint).toBe('foreign-key');
    expectOk(await sql.execute("INSERT INTO t (v) VALUES ('free again')"));
  });
});

describe('nesting', () => {
  it('savepoints nest several levels deep', async () => {
    const sql = await open();
    const result = await sql.transaction(async (tx) => {
      expectOk(await tx.execute("INSERT INTO t (v) VALUES ('1')"));
      return tx.transaction(async (two) => {
        expectOk(await two.execute("INSERT INTO t (v) VALUES ('2')"));
        const dropped = await two.transaction(async (three) => {
          expect(three.depth).toBe(3);
          expectOk(await three.execute("INSERT INTO t (v) VALUES ('3')"));
          return err('undo level 3');
        });
        expect(dropped.isErr()).toBe(true);
        return two.transaction(async (three) =>
          (await three.execute("INSERT INTO t (v) VALUES ('3b')")).map(() => 'kept'),
        );
      });
    });
    expect(expectOk(result)).toBe('kept');
    expect(await values(sql)).toEqual(['1', '2', '3b']);
  });

  it('concurrent transactions with awaits and savepoints never see each other', async () => {
    const sql = await open();
    const writer = (name: string) =>
      sql.transaction(async (tx) => {
        expectOk(await tx.execute('INSERT INTO t (v) VALUES (?)', [`${name}-a`]));
        await tick();
        const seen = expectOk(await tx.query("SELECT v FROM t WHERE v LIKE '%-a' ORDER BY id")).rows.map((r) => r[0]);
        await tick();
        const inner = await tx.transaction(async (sp) => {
          expectOk(await sp.execute('INSERT INTO t (v) VALUES (?)', [`${name}-b`]));
          await tick();
          return ok(seen);
        });
        return inner;
      });
    const results = await Promise.all(['p', 'q', 'r', 's'].map(writer));
    // Each transaction saw the ones committed before it and its own row, never a later one.
    expect(results.map((r) => expectOk(r))).toEqual([
      ['p-a'],
      ['p-a', 'q-a'],
      ['p-a', 'q-a', 'r-a'],
      ['p-a', 'q-a', 'r-a', 's-a'],
    ]);
    expect(await values(sql)).toEqual(['p-a', 'p-b', 'q-a', 'q-b', 'r-a', 'r-b', 's-a', 's-b']);
  });
});

describe('transaction(fn, { retries })', () => {
  it('runs the callback again while another connection holds the write lock, then commits once', async () => {
    const filename = join(dir, `retry-${counter++}.db`);
    const holder = createSqliteSql({ filename });
    const waiter = createSqliteSql({ filename, busyTimeoutMs: 0 });
    opened.push(holder, waiter);
    expectOk(await holder.executeScript('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)'));
    const lock = expectOk(await holder.begin());
    expectOk(await lock.execute("INSERT INTO t (v) VALUES ('holder')"));

    let runs = 0;
    const body = (tx: SqlTransaction) => {
      runs++;
      return tx.execute("INSERT INTO t (v) VALUES ('waiter')");
    };
    // Without retries the first BUSY is the answer.
    expectErr(await waiter.transaction(body), 'BUSY');
    const retried = waiter.transaction(body, { retries: 20 });
    // The first attempt fails at once (the driver is synchronous); the retries pause on timers, so
    // this timer lets go of the lock while they are still going.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expectOk(await lock.commit());
    expectOk(await retried);
    expect(runs).toBe(1);
    expect(await values(waiter)).toEqual(['holder', 'waiter']);
  });

  it('does not retry other failures, and refuses a retry count that is not a small integer', async () => {
    const sql = await open();
    let runs = 0;
    const failed = await sql.transaction(
      (tx) => {
        runs++;
        return tx.execute('INSERT INTO t (v) VALUES (?), (?)', ['same', 'same']);
      },
      { retries: 3 },
    );
    expect(expectErr(failed, 'CONSTRAINT_VIOLATION').constraint).toBe('unique');
    expect(runs).toBe(1);
    expect(() => sql.transaction(() => ok(1), { retries: -1 })).toThrow('retries must be an integer from 0 to 20');
    expect(() => sql.transaction(() => ok(1), { retries: 1.5 })).toThrow(TypeError);
    const typed: Result<number, SqlError> = await sql.transaction(() => ok(2), { retries: 0 });
    expect(typed._unsafeUnwrap()).toBe(2);
    expect(err).toBeTypeOf('function');
  });
});
