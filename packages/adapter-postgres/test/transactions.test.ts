import { err, ok, type Sql } from '@keel/core';
import { expectErr, expectOk, testPostgres } from '@keel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSql, type PostgresSqlOptions } from '../src/index.js';

const pg = await testPostgres();

describe.skipIf(pg.skip !== undefined)(`transactions${pg.skip ? ` — skipped: ${pg.skip}` : ''}`, () => {
  let url: string;
  const open: Sql[] = [];
  const sqlWith = async (options: Partial<PostgresSqlOptions> = {}) => {
    const sql = createPostgresSql({ connectionString: url, ...options });
    open.push(sql);
    expectOk(await sql.executeScript('DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)'));
    expectOk(await sql.execute('INSERT INTO t VALUES (1, 0), (2, 0)'));
    return sql;
  };
  beforeAll(async () => {
    url = await (pg.server as NonNullable<typeof pg.server>).database('transactions');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((sql) => sql.close()));
  });
  afterAll(() => pg.server?.cleanup(), 120_000);

  it('a deadlock is BUSY for the transaction PostgreSQL picks, and the other commits', async () => {
    const sql = await sqlWith();
    const a = expectOk(await sql.begin());
    const b = expectOk(await sql.begin());
    expectOk(await a.execute('UPDATE t SET v = 1 WHERE id = 1'));
    expectOk(await b.execute('UPDATE t SET v = 2 WHERE id = 2'));
    const [ra, rb] = await Promise.all([
      a.execute('UPDATE t SET v = 1 WHERE id = 2'),
      b.execute('UPDATE t SET v = 2 WHERE id = 1'),
    ]);
    const [loser, winner] = ra.isErr() ? [a, b] : [b, a];
    expectErr(ra.isErr() ? ra : rb, 'BUSY');
    expect(ra.isOk() || rb.isOk()).toBe(true);
    expectOk(await loser.rollback());
    expectOk(await winner.commit());
  });

  it('a serialization failure is BUSY under serializable, and a retry succeeds', async () => {
    const sql = await sqlWith({ isolationLevel: 'serializable' });
    const a = expectOk(await sql.begin());
    const b = expectOk(await sql.begin());
    expect(expectOk(await a.query('SELECT sum(v)::int FROM t')).rows).toEqual([[0]]);
    expect(expectOk(await b.query('SELECT sum(v)::int FROM t')).rows).toEqual([[0]]);
    expectOk(await a.execute('UPDATE t SET v = v + 1 WHERE id = 1'));
    expectOk(await b.execute('UPDATE t SET v = v + 1 WHERE id = 2'));
    expectOk(await a.commit());
    expectErr(await b.commit(), 'BUSY');
    await b.rollback();
    const retry = await sql.transaction(async (tx) => tx.execute('UPDATE t SET v = v + 1 WHERE id = 2'));
    expectOk(retry);
  });

  it('a lock that is not available (NOWAIT) is BUSY', async () => {
    const sql = await sqlWith();
    const a = expectOk(await sql.begin());
    expectOk(await a.query('SELECT v FROM t WHERE id = 1 FOR UPDATE'));
    const got = await sql.transaction(async (tx) => tx.query('SELECT v FROM t WHERE id = 1 FOR UPDATE NOWAIT'));
    expectErr(got, 'BUSY');
    expectOk(await a.rollback());
  });

  it('runs transactions at the isolation level asked for', async () => {
    for (const level of ['read committed', 'repeatable read', 'serializable'] as const) {
      const sql = await sqlWith({ isolationLevel: level });
      const shown = await sql.transaction(async (tx) => tx.query('SHOW transaction_isolation'));
      expect(expectOk(shown).rows).toEqual([[level]]);
    }
  });

  it('a COMMIT after a failed statement is a TRANSACTION Err, not a silent rollback', async () => {
    const sql = await sqlWith();
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('UPDATE t SET v = 5 WHERE id = 1'));
    expectErr(await tx.execute('INSERT INTO t VALUES (1, 1)'), 'CONSTRAINT_VIOLATION');
    expectErr(await tx.execute('UPDATE t SET v = 6 WHERE id = 2'), 'TRANSACTION');
    expectErr(await tx.commit(), 'TRANSACTION');
    expect(expectOk(await sql.query('SELECT v FROM t ORDER BY id')).rows).toEqual([[0], [0]]);
  });

  it('a savepoint rolled back after a failed statement lets the transaction go on', async () => {
    const sql = await sqlWith();
    const result = await sql.transaction(async (tx) => {
      const inner = await tx.transaction(async (sp) => sp.execute('INSERT INTO t VALUES (1, 1)'));
      expectErr(inner, 'CONSTRAINT_VIOLATION');
      return tx.execute('UPDATE t SET v = 7 WHERE id = 2');
    });
    expectOk(result);
    expect(expectOk(await sql.query('SELECT v FROM t WHERE id = 2')).rows).toEqual([[7]]);
  });

  it('a transaction open past transactionTimeoutMs is rolled back and refuses further use', async () => {
    const sql = await sqlWith({ transactionTimeoutMs: 200 });
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('UPDATE t SET v = 9 WHERE id = 1'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(expectErr(await tx.execute('UPDATE t SET v = 9 WHERE id = 2'), 'TRANSACTION').message).toContain(
      'transactionTimeoutMs',
    );
    expectErr(await tx.commit(), 'TRANSACTION');
    expect(expectOk(await sql.query('SELECT v FROM t ORDER BY id')).rows).toEqual([[0], [0]]);
  });

  it('a statement still running at transactionTimeoutMs is cancelled, and the transaction rolled back', async () => {
    const sql = await sqlWith({ transactionTimeoutMs: 200 });
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('UPDATE t SET v = 9 WHERE id = 1'));
    const stuck = expectErr(await tx.query('SELECT pg_sleep(60)'), 'TRANSACTION');
    expect(stuck.message).toContain('transactionTimeoutMs');
    expect(expectOk(await sql.query('SELECT v FROM t ORDER BY id')).rows).toEqual([[0], [0]]);
  });

  it('statementTimeoutMs cancels a statement running longer: QUERY, and the connection goes on', async () => {
    const sql = await sqlWith({ statementTimeoutMs: 100, poolSize: 1 });
    expect(expectErr(await sql.query('SELECT pg_sleep(60)'), 'QUERY').message).toContain('statement timeout');
    expect(expectOk(await sql.query('SELECT count(*) FROM t')).rows).toEqual([[2]]);
  });

  it('a script that leaves a transaction open is rolled back and is an Err', async () => {
    const sql = await sqlWith();
    expectErr(await sql.executeScript('BEGIN; UPDATE t SET v = 3 WHERE id = 1'), 'TRANSACTION');
    expect(expectOk(await sql.query('SELECT v FROM t WHERE id = 1')).rows).toEqual([[0]]);
    expectErr(await sql.execute('COMMIT'), 'TRANSACTION');
  });

  it('statements use the pool while a transaction holds one connection; health shows the pool', async () => {
    const sql = await sqlWith({ poolSize: 2 });
    const tx = expectOk(await sql.begin());
    const health = await sql.health();
    expect(health.ok).toBe(true);
    expect(health.detail).toMatchObject({ total: 2, waiting: 0 });
    expect(expectOk(await sql.query('SELECT count(*) FROM t')).rows).toEqual([[2]]);
    expectOk(await tx.rollback());
    expect((await sql.health()).detail).toMatchObject({ idle: 2, waiting: 0 });
  });

  it('with one connection, statements wait for the transaction holding it instead of joining it', async () => {
    const sql = await sqlWith({ poolSize: 1 });
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('UPDATE t SET v = 5 WHERE id = 1'));
    const outside = sql.query('SELECT v FROM t WHERE id = 1');
    await new Promise((resolve) => setImmediate(resolve)); // sent, if it were to be pipelined on the transaction
    expectOk(await tx.rollback());
    expect(expectOk(await outside).rows).toEqual([[0]]);
  });

  it('a transaction whose connection is lost is CONNECTION from then on, and the pool goes on', async () => {
    const sql = await sqlWith();
    const tx = expectOk(await sql.begin());
    expectOk(await tx.execute('UPDATE t SET v = 8 WHERE id = 1'));
    const [[pid]] = expectOk(await tx.query('SELECT pg_backend_pid()')).rows as [[number]];
    expectOk(await sql.query('SELECT pg_terminate_backend(?)', [pid]));
    expectErr(await tx.execute('UPDATE t SET v = 8 WHERE id = 2'), 'CONNECTION');
    expectErr(await tx.commit(), 'CONNECTION');
    expect(expectOk(await sql.query('SELECT v FROM t ORDER BY id')).rows).toEqual([[0], [0]]);
  });

  it('a column whose type changes: BUSY inside a transaction, prepared afresh outside one', async () => {
    // One connection, so the statement prepared before a change is the one run after it.
    const sql = await sqlWith({ poolSize: 1 });
    const read = 'SELECT v FROM t WHERE id = ?';
    expect(expectOk(await sql.query(read, [1])).rows).toEqual([[0]]);
    expectOk(await sql.executeScript('ALTER TABLE t ALTER COLUMN v TYPE text'));
    const tx = expectOk(await sql.begin());
    expect(expectErr(await tx.query(read, [1]), 'BUSY').message).toContain('prepared afresh');
    expectOk(await tx.rollback());
    expect(expectOk(await sql.transaction(async (again) => again.query(read, [1]))).rows).toEqual([['0']]);
    // Outside a transaction postgres.js runs it again with the new type: never a result of the old one.
    expectOk(await sql.executeScript('ALTER TABLE t ALTER COLUMN v TYPE bigint USING v::bigint'));
    expect(expectOk(await sql.query(read, [1])).rows).toEqual([[0]]);

    // Unprepared statements see every change, inside a transaction too.
    const unprepared = await sqlWith({ poolSize: 1, prepareStatements: false });
    expect(expectOk(await unprepared.query(read, [1])).rows).toEqual([[0]]);
    const changed = await unprepared.transaction(async (t) => {
      expectOk(await t.executeScript('ALTER TABLE t ALTER COLUMN v TYPE text'));
      return t.query(read, [1]);
    });
    expect(expectOk(changed).rows).toEqual([['0']]);
  });

  it('lastInsertId is the one integer column an INSERT … RETURNING names', async () => {
    const sql = await sqlWith();
    expectOk(await sql.executeScript('CREATE TABLE g (id bigint GENERATED ALWAYS AS IDENTITY, name text)'));
    const one = expectOk(await sql.execute("INSERT INTO g (name) VALUES ('a') RETURNING id"));
    expect(one).toEqual({ rowsAffected: 1, lastInsertId: 1 });
    const many = expectOk(await sql.execute("INSERT INTO g (name) VALUES ('b'), ('c') RETURNING id"));
    expect(many).toEqual({ rowsAffected: 2, lastInsertId: 3 });
    expect(expectOk(await sql.execute("INSERT INTO g (name) VALUES ('d')")).lastInsertId).toBeUndefined();
    expect(
      expectOk(await sql.execute("INSERT INTO g (name) VALUES ('e') RETURNING name")).lastInsertId,
    ).toBeUndefined();
    expect(
      expectOk(await sql.execute("INSERT INTO g (name) VALUES ('f') RETURNING id, name")).lastInsertId,
    ).toBeUndefined();
    expect(
      expectOk(await sql.execute("UPDATE g SET name = 'x' WHERE id = 1 RETURNING id")).lastInsertId,
    ).toBeUndefined();
    const inTx = await sql.transaction(async (tx) => tx.execute("INSERT INTO g (name) VALUES ('g') RETURNING id"));
    expect(expectOk(inTx).lastInsertId).toBe(7);
  });

  it('transaction(fn) keeps a body Err and still rolls back', async () => {
    const sql = await sqlWith();
    const outcome = await sql.transaction(async (tx) => {
      expectOk(await tx.execute('UPDATE t SET v = 4'));
      return err('nope' as const);
    });
    expect(outcome.isErr() && outcome.error).toBe('nope');
    expect(expectOk(await sql.query('SELECT max(v) FROM t')).rows).toEqual([[0]]);
    expect(expectOk(await sql.transaction(async () => ok(1)))).toBe(1);
  });
});
