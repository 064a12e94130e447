import type { Sql, SqlValue } from '@keel/core';
import { expectErr, expectOk, testPostgres } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSql } from '../src/index.js';

const pg = await testPostgres();

/** The README's values table, row by row: a value of the type as SQL, and what Keel reads. */
const table: readonly (readonly [type: string, literal: string, read: SqlValue])[] = [
  ['int2', '(-32768)::int2', -32768],
  ['int4', '2147483647::int4', 2147483647],
  ['int8 (exact as number)', '9007199254740991::int8', 9007199254740991],
  ['int8 (beyond 2^53)', '9007199254740993::int8', 9007199254740993n],
  ['int8 (min)', '(-9223372036854775808)::int8', -(2n ** 63n)],
  ['float4', '1.5::float4', 1.5],
  ['float8', '0.1::float8', 0.1],
  ['float8 (infinity)', "'-Infinity'::float8", -Infinity],
  ['numeric', '12345678901234567890.000000000001::numeric', '12345678901234567890.000000000001'],
  ['bool', 'true', 1],
  ['bool (false)', 'false', 0],
  ['text', "'héllo 😀'::text", 'héllo 😀'],
  ['varchar', "'abc'::varchar(5)", 'abc'],
  ['char', "'ab'::char(3)", 'ab '],
  ['uuid', "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['json', `'{"b": 1,  "a": [2]}'::json`, '{"b": 1,  "a": [2]}'],
  ['jsonb', `'{"b": 1,  "a": [2]}'::jsonb`, '{"a": [2], "b": 1}'],
  ['bytea', "'\\x00ff07'::bytea", new Uint8Array([0, 255, 7])],
  ['date', "'2024-02-29'::date", '2024-02-29'],
  ['timestamp', "'2024-02-29 13:14:15.123456'::timestamp", '2024-02-29T13:14:15.123456'],
  ['timestamptz', "'2024-02-29 13:14:15.5+02'::timestamptz", '2024-02-29T11:14:15.5Z'],
  ['timestamptz (infinity)', "'infinity'::timestamptz", 'infinity'],
  ['time', "'13:14:15'::time", '13:14:15'],
  ['interval', "'1 year 2 months 3 days 04:05:06'::interval", 'P1Y2M3DT4H5M6S'],
  ['int4[]', 'ARRAY[1, NULL, 3]::int4[]', '{1,NULL,3}'],
  ['text[]', `ARRAY['a b', 'c"d']::text[]`, '{"a b","c\\"d"}'],
  ['null', 'NULL::int8', null],
];

describe.skipIf(pg.skip !== undefined)(`values${pg.skip ? ` — skipped: ${pg.skip}` : ''}`, () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = createPostgresSql({
      connectionString: await (pg.server as NonNullable<typeof pg.server>).database('values'),
    });
  });
  afterAll(async () => {
    await sql?.close();
    await pg.server?.cleanup();
  }, 120_000);

  it.each(table)('%s reads as the table says', async (_type, literal, read) => {
    const [[value]] = expectOk(await sql.query(`SELECT ${literal}`)).rows as [[SqlValue]];
    expect(value).toEqual(read);
    if (read instanceof Uint8Array) expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
  });

  it('every built-in array type reads as its text, never as a JavaScript array', async () => {
    const listed =
      "SELECT typname FROM pg_type WHERE typcategory = 'A' AND typelem <> 0 AND oid < 10000 AND typname LIKE '\\_%'";
    const types = expectOk(await sql.query(listed)).rows.map(([name]) => name as string);
    expect(types.length).toBeGreaterThan(50);
    const [row] = expectOk(await sql.query(`SELECT ${types.map((type) => `'{}'::"${type}"`).join(', ')}`)).rows;
    expect(row).toEqual(types.map(() => '{}'));
  });

  it('every type round-trips through a parameter into its own column', async () => {
    const columns: readonly (readonly [string, SqlValue])[] = [
      ['int2', 7],
      ['int4', -7],
      ['int8', 2n ** 62n],
      ['float4', 0.5],
      ['float8', 5e-324],
      ['numeric', '1.000000000000000000001'],
      ['bool', 1],
      ['text', 'quote \' and " and ? :x $1'],
      ['uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
      ['jsonb', '{"a": [1, 2]}'],
      ['bytea', new Uint8Array([1, 2, 3, 0])],
      ['date', '1999-12-31'],
      ['timestamp', '1999-12-31T23:59:59.999999'],
      ['timestamptz', '1999-12-31T23:59:59.5Z'],
      ['interval', 'P1DT2H'],
      ['int4[]', '{1,2,3}'],
    ];
    expectOk(await sql.executeScript(`CREATE TABLE typed (${columns.map(([type], i) => `c${i} ${type}`).join(', ')})`));
    const values = columns.map(([, value]) => value);
    const inserted = await sql.execute(`INSERT INTO typed VALUES (${columns.map(() => '?').join(', ')})`, values);
    expectOk(inserted);
    const [row] = expectOk(await sql.query('SELECT * FROM typed')).rows;
    expect(row).toEqual(values);
  });

  it('parameters bind with the type the contract gives them', async () => {
    // bigint → int8 and a non-integer number → float8, even where PostgreSQL would guess int4.
    expect(expectOk(await sql.query('SELECT ? + 1, ? + 1', [2n ** 40n, 1.5])).rows).toEqual([[2 ** 40 + 1, 2.5]]);
    // An integer number and a string are left for PostgreSQL to read as the statement needs.
    expect(
      expectOk(await sql.query('SELECT ?::bool, make_date(2024, 1, ?), ?::date', [1, 2, '2024-02-29'])).rows,
    ).toEqual([[1, '2024-01-02', '2024-02-29']]);
    expect(expectOk(await sql.query('SELECT ?::float8', [-0])).rows[0]?.[0]).toBe(-0);
    expect(expectOk(await sql.query('SELECT length(?)', [new Uint8Array(5)])).rows).toEqual([[5]]);
    expectErr(await sql.query('SELECT ?', ['nul \u0000 inside']), 'INVALID_PARAMETER');
  });
});
