import type { Sql, SqlValue } from '@keel/core';
import { expectErr, expectOk, testPostgres } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresSql } from '../src/index.js';
import { rewritePlaceholders } from '../src/postgres-placeholders.js';

/** Text full of what looks like markers and quote ends, for the inside of literals and comments. */
const noise = fc.string({ unit: fc.constantFrom('?', ':', 'x', '$', '1', '@', 'y', "'", '\\', '"', ' ', '-', '*', '/', 'é'), maxLength: 12 });

/** One item of a SELECT list: a literal whose value is known, or a marker bound to a known value. */
type Item = { readonly sql: string; readonly value: string } | { readonly marker: true };

const literal: fc.Arbitrary<Item> = fc.oneof(
  noise.map((v) => ({ sql: `'${v.replaceAll("'", "''")}'`, value: v })),
  noise.map((v) => ({ sql: `E'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`, value: v })),
  noise.filter((v) => !v.includes('$')).map((v) => ({ sql: `$$${v}$$`, value: v })),
  noise.filter((v) => !v.includes('$')).map((v) => ({ sql: `$q$${v}$q$`, value: v })),
  noise.map((v) => ({ sql: `'${v.replaceAll("'", "''")}'::text`, value: v })),
);
const item: fc.Arbitrary<Item> = fc.oneof(literal, fc.constant({ marker: true as const }));
/** Goes between items: a comment full of noise, or nothing. */
const gap = fc.oneof(
  fc.constant(' '),
  noise.filter((v) => !v.includes('/*') && !v.includes('*/') && !v.endsWith('/') && !v.startsWith('*')).map((v) => ` /* ${v} /* ${v} */ */ `),
  noise.map((v) => ` -- ${v}\n`),
);
const statement = fc.array(fc.tuple(item, gap), { minLength: 1, maxLength: 8 });
const markerStyles = ['?', ':', '@', '$'] as const;

/** The SELECT, its params and the row PostgreSQL must answer, for one marker style. */
function build(items: readonly (readonly [Item, string])[], style: (typeof markerStyles)[number]) {
  const positional: SqlValue[] = [];
  const named: Record<string, SqlValue> = {};
  const expected: string[] = [];
  const parts = items.map(([entry, between], i) => {
    if ('sql' in entry) {
      expected.push(entry.value);
      return `${entry.sql} AS "c${i}?:x"${between}`;
    }
    const value = `bound ${i} ?:x$1@y`;
    expected.push(value);
    positional.push(value);
    named[`p${i}`] = value;
    return `${style === '?' ? '?' : `${style}p${i}`} AS "c${i}"${between}`;
  });
  return {
    text: `SELECT ${parts.join(', ')}`,
    params: style === '?' ? positional : named,
    expected,
  };
}

describe('the placeholder rewriter', () => {
  it('leaves literals, quoted identifiers, comments, dollar bodies and casts alone', () => {
    const sql = `SELECT '?'' :x', E'\\' ?', "a?:x", $$ ? $$, $t$ :y $t$, 1::int -- ?\n, /* /* ? */ :z */ ?, x$1`;
    expect(rewritePlaceholders(sql)).toMatchObject({
      text: `SELECT '?'' :x', E'\\' ?', "a?:x", $$ ? $$, $t$ :y $t$, 1::int -- ?\n, /* /* ? */ :z */ $1, x$1`,
      kind: 'positional',
      count: 1,
    });
  });

  it('numbers a plain ? after the highest number so far, as SQLite does', () => {
    expect(rewritePlaceholders('SELECT ?2, ?, $1').text).toBe('SELECT $2, $3, $1');
  });

  it('binds each name once, whatever its prefix', () => {
    expect(rewritePlaceholders('SELECT :a, @b, $a, :b').text).toBe('SELECT $1, $2, $1, $2');
  });

  it('keeps PostgreSQL operators that look like markers', () => {
    expect(rewritePlaceholders("SELECT a @> b, c <@d, t @@ q, t@@q, x := 1, '{1}'::int[]").kind).toBe('none');
  });

  it.each([
    ["SELECT 'open", 'unterminated string literal'],
    ["SELECT E'open\\'", 'unterminated E string literal'],
    ['SELECT "open', 'unterminated quoted identifier'],
    ['SELECT 1 /* /* */', 'unterminated /* comment'],
    ['SELECT $$ open', 'unterminated dollar-quoted body'],
    ['SELECT ?, :a', 'mixes positional and named'],
    ['SELECT ?0', 'out of range'],
  ])('refuses %j', (sql, problem) => {
    expect(rewritePlaceholders(sql).problem).toContain(problem);
  });

  it('finds exactly the markers outside literals and comments (model)', () => {
    fc.assert(
      fc.property(statement, fc.constantFrom(...markerStyles), (items, style) => {
        const { text, expected } = build(items, style);
        const markers = items.filter(([entry]) => !('sql' in entry)).length;
        const rewritten = rewritePlaceholders(text);
        expect(rewritten.problem).toBeUndefined();
        expect(rewritten.count).toBe(markers);
        expect(expected.length).toBe(items.length);
      }),
      { numRuns: 500 },
    );
  });
});

const pg = await testPostgres();

describe.skipIf(pg.skip !== undefined)(`binding checked by PostgreSQL${pg.skip ? ` — skipped: ${pg.skip}` : ''}`, () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = createPostgresSql({ connectionString: await (pg.server as NonNullable<typeof pg.server>).database('placeholders') });
  });
  afterAll(async () => {
    await sql?.close();
    await pg.server?.cleanup();
  }, 120_000);

  it('PostgreSQL returns every literal as written and every marker as its bound value', async () => {
    await fc.assert(
      fc.asyncProperty(statement, fc.constantFrom(...markerStyles), async (items, style) => {
        const { text, params, expected } = build(items, style);
        const result = expectOk(await sql.query(text, params));
        expect(result.rows).toEqual([expected]);
      }),
      { numRuns: 300 },
    );
  });

  it('a statement it cannot read, or params that do not fit, are INVALID_PARAMETER and never sent', async () => {
    expectErr(await sql.query("SELECT 'open ?", ['x']), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT ?, :a', ['x']), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT :a', ['x']), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT ?', { a: 'x' }), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT :a, :b', { a: 'x' }), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT ?, ?', ['x']), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT 1', ['x']), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT ?'), 'INVALID_PARAMETER');
    expectErr(await sql.query('SELECT ?', ['a\u0000b']), 'INVALID_PARAMETER');
    expect(expectOk(await sql.query('SELECT :a', { a: 'x', unused: 1 })).rows).toEqual([['x']]);
  });
});
