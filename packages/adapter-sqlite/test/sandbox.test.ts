import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sql, SqlSandboxOptions } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteSql } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function database() {
  const sql = createSqliteSql({ filename: join(dir, `db-${n++}.sqlite`) });
  expectOk(await sql.executeScript('CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)'));
  return sql;
}

const base: SqlSandboxOptions = { readOnly: false, deadlineMs: 5000, maxResultBytes: 1 << 20 };
/** `sql.sandbox`, which a SQLite database on a file always has. */
const sandboxOf = (sql: Sql) => sql.sandbox ?? expect.fail('no sql.sandbox');
const open = async (sql: Sql, options: Partial<SqlSandboxOptions> = {}) =>
  expectOk(await sandboxOf(sql)({ ...base, ...options }));

describe('a read-write sandbox', () => {
  it('runs statements on its own connection, with the adapter’s codes and values', async () => {
    const sql = await database();
    const sandbox = await open(sql);
    expect(expectOk(await sandbox.execute('INSERT INTO users (email) VALUES (?)', ['ada@example.com']))).toEqual({
      rowsAffected: 1,
      lastInsertId: 1,
    });
    const dup = await sandbox.execute('INSERT INTO users (email) VALUES (?)', ['ada@example.com']);
    expect(expectErr(dup, 'CONSTRAINT_VIOLATION').constraint).toBe('unique');
    expectErr(await sandbox.query('SELECT ?1, ?2', [1]), 'INVALID_PARAMETER');
    expectErr(await sandbox.query('SELECT ?', [Number.NaN]), 'INVALID_PARAMETER');
    expectErr(await sandbox.query('SELEKT 1'), 'QUERY');
    const big = 2n ** 60n;
    const [row] = expectOk(await sandbox.query('SELECT ?1 AS n, ?2 AS b', [big, new Uint8Array([1, 2])])).rows;
    expect(row?.[0]).toBe(big);
    expect(row?.[1]).toBeInstanceOf(Uint8Array);
    expect(Array.from(row?.[1] as Uint8Array)).toEqual([1, 2]);
    expectOk(await sandbox.executeScript("INSERT INTO users (email) VALUES ('b@example.com'); CREATE TABLE x (a)"));
    expectErr(await sandbox.executeScript('BEGIN; INSERT INTO x VALUES (1)'), 'TRANSACTION');
    expect(expectOk(await sql.query('SELECT count(*) FROM x')).rows).toEqual([[0]]);
    expect(expectOk(await sql.query('SELECT email FROM users ORDER BY id')).rows).toEqual([
      ['ada@example.com'],
      ['b@example.com'],
    ]);
    await sandbox.close();
    await sql.close();
  });

  it('keeps transactions in order: savepoints, one level at a time, nothing after the end', async () => {
    const sql = await database();
    const sandbox = await open(sql);
    const tx = expectOk(await sandbox.begin());
    expectOk(await tx.execute("INSERT INTO users (email) VALUES ('kept')"));
    const inner = expectOk(await tx.begin());
    expect(inner.depth).toBe(2);
    expectErr(await tx.query('SELECT 1'), 'TRANSACTION');
    expectErr(await sandbox.query('SELECT 1'), 'BUSY');
    expectOk(await inner.execute("INSERT INTO users (email) VALUES ('dropped')"));
    expectOk(await inner.rollback());
    expectErr(await inner.query('SELECT 1'), 'TRANSACTION');
    expectOk(await tx.commit());
    expectErr(await tx.commit(), 'TRANSACTION');
    expect(expectOk(await sql.query('SELECT email FROM users')).rows).toEqual([['kept']]);
    expectErr(await sandbox.query('BEGIN'), 'TRANSACTION');
    await sandbox.close();
    await sql.close();
  });
});

describe('a read-only sandbox', () => {
  it('refuses execute and scripts, and every statement SQLite says can write', async () => {
    const sql = await database();
    const sandbox = await open(sql, { readOnly: true });
    expectErr(await sandbox.execute("INSERT INTO users (email) VALUES ('x')"), 'ACCESS_DENIED');
    expectErr(await sandbox.executeScript('CREATE TABLE y (a)'), 'ACCESS_DENIED');
    const returning = await sandbox.query("INSERT INTO users (email) VALUES ('x') RETURNING id");
    expect(expectErr(returning, 'ACCESS_DENIED').message).toContain('can write');
    expect(expectOk(await sandbox.query('SELECT count(*) FROM users')).rows).toEqual([[0]]);
    await sandbox.close();
    await sql.close();
  });
});

describe('named statements', () => {
  it('run by name only; a write in a read-only sandbox, or a bad statement, fails the open', async () => {
    const sql = await database();
    const statements = { add: 'INSERT INTO users (email) VALUES (?)', count: 'SELECT count(*) FROM users' };
    const sandbox = await open(sql, { statements });
    expectOk(await sandbox.execute('add', ['a@example.com']));
    expect(expectOk(await sandbox.query('count')).rows).toEqual([[1]]);
    expectErr(await sandbox.query('SELECT count(*) FROM users'), 'ACCESS_DENIED');
    expectErr(await sandbox.executeScript('DELETE FROM users'), 'ACCESS_DENIED');
    await sandbox.close();
    const readOnly = expectErr(await sandboxOf(sql)({ ...base, readOnly: true, statements }), 'ACCESS_DENIED');
    expect(readOnly.message).toContain("statement 'add'");
    expectErr(await sandboxOf(sql)({ ...base, statements: { bad: 'SELECT * FROM nowhere' } }), 'QUERY');
    await sql.close();
  });
});

describe('lifecycle', () => {
  it('a closed sandbox, or one whose adapter closed, is NOT_OPEN', async () => {
    const sql = await database();
    const first = await open(sql);
    const second = await open(sql);
    await first.close();
    await first.close();
    expectErr(await first.query('SELECT 1'), 'NOT_OPEN');
    await sql.close();
    expectErr(await second.query('SELECT 1'), 'NOT_OPEN');
    expectErr(await sandboxOf(sql)(base), 'NOT_OPEN');
  });

  it('needs a database file; options are checked', async () => {
    const memory = createSqliteSql({ filename: ':memory:' });
    expect(memory.capabilities.sandbox).toBe(false);
    expect(memory.sandbox).toBeUndefined();
    const sql = await database();
    expect(sql.capabilities.sandbox).toBe(true);
    expect(() => sandboxOf(sql)({ ...base, deadlineMs: 0 })).toThrow(/deadlineMs must be a positive integer/);
    expect(() => sandboxOf(sql)({ ...base, statements: { '': 'SELECT 1' } })).toThrow(TypeError);
    await Promise.all([memory.close(), sql.close()]);
  });
});
