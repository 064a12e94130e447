import fc from 'fast-check';
import { expect } from 'vitest';
import type { SqlValue } from '@keel/core';
import { rowsToObjects } from '@keel/core';
import { expectErr, expectOk } from './expect-result.js';
import { readBackInteger, sqlValueArbitrary } from './sql-arbitraries.js';
import type { SqlHarness } from './sql-harness.js';

export function statementTests(h: SqlHarness): void {
  h.test('declares the capabilities it was registered with', async () => {
    const sql = await h.sql();
    expect({ ...sql.capabilities }).toEqual({ ...h.options.capabilities });
  });

  h.test('query returns column names and rows in order', async () => {
    const sql = await h.withSchema();
    expectOk(await sql.execute('INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)', [1, 'ada', 10]));
    expectOk(await sql.execute('INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)', [2, 'bob', 20]));
    const result = expectOk(await sql.query('SELECT owner, balance FROM accounts ORDER BY id'));
    expect(result.columns).toEqual(['owner', 'balance']);
    expect(result.rows).toEqual([
      ['ada', 10],
      ['bob', 20],
    ]);
    expect(rowsToObjects(result)).toEqual([
      { owner: 'ada', balance: 10 },
      { owner: 'bob', balance: 20 },
    ]);
    const empty = expectOk(await sql.query('SELECT id, owner FROM accounts WHERE id = ?', [99]));
    expect(empty).toEqual({ columns: ['id', 'owner'], rows: [] });
  });

  h.test('execute reports rows affected and the last insert id', async () => {
    const sql = await h.withSchema();
    const inserted = expectOk(
      await sql.execute(h.insertReportingId('INSERT INTO accounts (owner, balance) VALUES (?, ?)'), ['ada', 5]),
    );
    expect(inserted.rowsAffected).toBe(1);
    expect(Number(inserted.lastInsertId)).toBeGreaterThan(0);
    expectOk(await sql.execute('INSERT INTO accounts (owner, balance) VALUES (?, ?)', ['bob', 5]));
    const updated = expectOk(await sql.execute('UPDATE accounts SET balance = balance + 1'));
    expect(updated.rowsAffected).toBe(2);
  });

  h.test('round-trips every value type exactly', async () => {
    const sql = await h.withSchema();
    // PostgreSQL text cannot hold U+0000 (its adapter refuses it as INVALID_PARAMETER); U+0001 stands in.
    const control = h.dialect === 'postgres' ? 'a\u0001b' : 'a\u0000b';
    const rows: SqlValue[][] = [
      [1, 2n ** 53n + 1n, 0.1, 'héllo 😀', new Uint8Array([0, 255, 7])],
      [2, -(2n ** 63n), -1e308, '', new Uint8Array()],
      [3, 2n ** 63n - 1n, 5e-324, control, new Uint8Array([1])],
      [4, null, null, null, null],
      [5, 42, 1.5, 'quote \' and " ', new Uint8Array(1000).fill(9)],
    ];
    for (const row of rows)
      expectOk(await sql.execute('INSERT INTO vals (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)', row));
    const read = expectOk(await sql.query('SELECT id, i, r, t, b FROM vals ORDER BY id')).rows;
    const expected = rows.map((row) => row.map((v) => (typeof v === 'bigint' ? readBackInteger(v) : v)));
    expect(read.map((row) => row.map(normalise))).toEqual(expected.map((row) => row.map(normalise)));
  });

  h.test('random values of every type round-trip', async () => {
    const sql = await h.withSchema();
    let id = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.option(sqlValueArbitrary.integer, { nil: null }),
        fc.option(sqlValueArbitrary.real, { nil: null }),
        fc.option(
          h.dialect === 'postgres'
            ? sqlValueArbitrary.text.filter((t) => !t.includes('\u0000'))
            : sqlValueArbitrary.text,
          {
            nil: null,
          },
        ),
        fc.option(sqlValueArbitrary.blob, { nil: null }),
        async (i, r, t, b) => {
          id++;
          expectOk(await sql.execute('INSERT INTO vals (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)', [id, i, r, t, b]));
          const [row] = expectOk(await sql.query('SELECT i, r, t, b FROM vals WHERE id = ?', [id])).rows;
          expect(row?.map(normalise)).toEqual([i === null ? null : readBackInteger(i), r, t, b].map(normalise));
        },
      ),
      { numRuns: (h.options.numRuns ?? 40) * 5 },
    );
  });

  h.test('bigint parameters bind as 64-bit integers', async () => {
    const sql = await h.sql();
    // Arithmetic in SQL shows the type: a bigint bound as a float would lose the +1.
    expect(expectOk(await sql.query('SELECT ? + 1', [2n ** 62n])).rows).toEqual([[2n ** 62n + 1n]]);
    expect(expectOk(await sql.query('SELECT ? - 1', [-(2n ** 63n) + 1n])).rows).toEqual([[-(2n ** 63n)]]);
  });

  h.test('numbered parameters ?NNN bind by position', async () => {
    const sql = await h.sql();
    expect(expectOk(await sql.query('SELECT ?2, ?1, ?2', ['a', 'b'])).rows).toEqual([['b', 'a', 'b']]);
  });

  h.test('lastInsertId is set only when the statement inserted a row', async () => {
    const sql = await h.withSchema();
    const inserted = expectOk(
      await sql.execute(h.insertReportingId('INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)'), [
        41,
        'ada',
        5,
      ]),
    );
    expect(inserted.lastInsertId).toBe(41);
    const updated = expectOk(await sql.execute('UPDATE accounts SET balance = 6 WHERE id = ?', [41]));
    expect(updated).toEqual({ rowsAffected: 1, lastInsertId: undefined });
    const none = expectOk(await sql.execute('DELETE FROM accounts WHERE id = ?', [99]));
    expect(none).toEqual({ rowsAffected: 0, lastInsertId: undefined });
  });

  h.test(
    'named parameters bind :name, @name and $name',
    async () => {
      const sql = await h.withSchema();
      expectOk(
        await sql.execute('INSERT INTO accounts (id, owner, balance) VALUES (:id, @owner, $balance)', {
          id: 7,
          owner: 'cy',
          balance: 3,
        }),
      );
      const result = expectOk(await sql.query('SELECT owner FROM accounts WHERE id = :id', { id: 7 }));
      expect(result.rows).toEqual([['cy']]);
    },
    'namedParameters',
  );

  h.test('executeScript runs several statements', async () => {
    const sql = await h.withSchema();
    expectOk(
      await sql.executeScript(
        "INSERT INTO accounts (owner, balance) VALUES ('a', 1); INSERT INTO accounts (owner, balance) VALUES ('b', 2);",
      ),
    );
    expect(expectOk(await sql.query('SELECT count(*) AS n FROM accounts')).rows).toEqual([[2]]);
  });
}

/** Bytes compare by content, whatever Uint8Array subclass the engine returns. */
function normalise(value: SqlValue | undefined): unknown {
  return value instanceof Uint8Array ? { bytes: [...value] } : value;
}

export function errorTests(h: SqlHarness): void {
  h.test('bad parameter values are INVALID_PARAMETER, never a throw', async () => {
    const sql = await h.withSchema();
    const insert = 'INSERT INTO accounts (owner, balance) VALUES (?, ?)';
    expectErr(await sql.execute(insert, ['x', {} as unknown as SqlValue]), 'INVALID_PARAMETER');
    expectErr(await sql.execute(insert, ['x', true as unknown as SqlValue]), 'INVALID_PARAMETER');
    expectErr(await sql.execute(insert, ['x', undefined as unknown as SqlValue]), 'INVALID_PARAMETER');
    expectErr(await sql.execute(insert, ['x', Number.NaN]), 'INVALID_PARAMETER');
    expectErr(await sql.execute(insert, ['x', 2n ** 64n]), 'INVALID_PARAMETER');
    expectErr(await sql.execute(insert, ['x']), 'INVALID_PARAMETER');
    expectErr(await sql.execute(insert, ['x', 1, 2]), 'INVALID_PARAMETER');
    expect(expectOk(await sql.query('SELECT count(*) FROM accounts')).rows).toEqual([[0]]);
  });

  h.test(
    'a missing named parameter is INVALID_PARAMETER',
    async () => {
      const sql = await h.withSchema();
      expectErr(
        await sql.execute('INSERT INTO accounts (owner, balance) VALUES (:owner, :balance)', { owner: 'x' }),
        'INVALID_PARAMETER',
      );
      expectErr(await sql.query('SELECT :a', { b: 1 }), 'INVALID_PARAMETER');
      expect(expectOk(await sql.query('SELECT count(*) FROM accounts')).rows).toEqual([[0]]);
    },
    'namedParameters',
  );

  h.test('syntax errors and unknown tables are QUERY', async () => {
    const sql = await h.withSchema();
    expectErr(await sql.query('SELEC 1'), 'QUERY');
    expectErr(await sql.query('SELECT * FROM no_such_table'), 'QUERY');
    expectErr(await sql.execute('INSERT INTO accounts (nope) VALUES (1)'), 'QUERY');
  });

  h.test('constraint violations carry their kind', async () => {
    const sql = await h.withSchema();
    expectOk(await sql.execute('INSERT INTO accounts (id, owner, balance) VALUES (1, ?, 0)', ['ada']));
    const kind = async (statement: string, params: SqlValue[]) =>
      expectErr(await sql.execute(statement, params), 'CONSTRAINT_VIOLATION').constraint;
    expect(await kind('INSERT INTO accounts (id, owner, balance) VALUES (2, ?, 0)', ['ada'])).toBe('unique');
    expect(await kind('INSERT INTO accounts (id, owner, balance) VALUES (1, ?, 0)', ['bob'])).toBe('primary-key');
    expect(await kind('INSERT INTO accounts (id, owner, balance) VALUES (3, ?, 0)', [null])).toBe('not-null');
    expect(await kind('INSERT INTO accounts (id, owner, balance) VALUES (4, ?, -1)', ['cy'])).toBe('check');
    expect(await kind('INSERT INTO notes (account_id, body) VALUES (?, ?)', [99, 'orphan'])).toBe('foreign-key');
    expect(expectOk(await sql.query('SELECT count(*) FROM accounts')).rows).toEqual([[1]]);
  });

  h.test('a wrong argument type throws TypeError', async () => {
    const sql = await h.sql();
    expect(() => sql.query(42 as unknown as string)).toThrow(TypeError);
    expect(() => sql.query('SELECT 1', 5 as unknown as SqlValue[])).toThrow(TypeError);
  });
}
