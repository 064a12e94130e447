import { describe, expect, it } from 'vitest';
import { SqlError, SqlSandboxError } from '../src/index.js';
import { defineSql, type SqlDriver, type SqlTransactionDriver } from '../src/adapter.js';
import { expectErr, expectOk } from '@keel/testing';

const driver = (overrides: Partial<SqlDriver>): SqlDriver => ({
  adapter: 'test',
  capabilities: {
    dialect: 'sqlite',
    transactions: true,
    savepoints: false,
    namedParameters: false,
    persistent: false,
    synchronous: true,
  },
  query: () => ({ columns: [], rows: [] }),
  execute: () => ({ rowsAffected: 0, lastInsertId: undefined }),
  executeScript: () => undefined,
  begin: () => {
    throw new Error('not used');
  },
  ...overrides,
});

describe('the sql guard', () => {
  it('refuses a synchronous driver with transactions but no busy(): sql.sync could run inside another caller’s transaction', () => {
    expect(() => defineSql(driver({}))).toThrow(
      "sql adapter 'test' declares synchronous and transactions but has no busy()",
    );
    expect(defineSql(driver({ busy: () => false })).sync).toBeDefined();
  });

  it('a savepoint whose begin fails leaves the parent usable', async () => {
    const statements: string[] = [];
    const tx: SqlTransactionDriver = {
      query: () => ({ columns: [], rows: [] }),
      execute: (statement) => (statements.push(statement), { rowsAffected: 1, lastInsertId: undefined }),
      executeScript: () => undefined,
      begin: () => {
        throw new Error('no savepoints today');
      },
      commit: () => void statements.push('COMMIT'),
      rollback: () => void statements.push('ROLLBACK'),
    };
    const sql = defineSql(driver({ busy: () => false, begin: () => tx }));
    const parent = expectOk(await sql.begin());
    expectErr(await parent.begin(), 'INTERNAL');
    expectOk(await parent.execute('INSERT 1'));
    expectOk(await parent.commit());
    expect(statements).toEqual(['INSERT 1', 'COMMIT']);
  });
});

describe('the sql sandbox facet', () => {
  const options = { readOnly: true, deadlineMs: 100, maxResultBytes: 1024 };
  const capabilities = {
    dialect: 'sqlite' as const,
    transactions: true,
    savepoints: false,
    namedParameters: false,
    persistent: false,
    synchronous: true,
    sandbox: true,
  };

  it('is present exactly when the capability is, and needs the driver’s sandbox()', () => {
    expect(defineSql(driver({ busy: () => false })).sandbox).toBeUndefined();
    expect(() => defineSql(driver({ busy: () => false, capabilities }))).toThrow(
      "sql adapter 'test' declares sandbox but has no sandbox()",
    );
  });

  it('checks options, keeps the lifecycle, and turns a throw into an Err with its code', async () => {
    const opened: unknown[] = [];
    const sql = defineSql(
      driver({
        busy: () => false,
        capabilities,
        sandbox: (o) => {
          opened.push(o);
          if (o.statements) throw new SqlError({ code: 'QUERY', message: 'no such table: x' });
          throw new Error('boom');
        },
      }),
    );
    const sandbox = sql.sandbox ?? expect.fail('no sandbox');
    expect(() => sandbox({ ...options, maxResultBytes: -1 })).toThrow('maxResultBytes must be an integer ≥ 0');
    expect(() => sandbox({ ...options, statements: { a: '' } })).toThrow(TypeError);
    expect(expectErr(await sandbox({ ...options, statements: { a: 'SELECT * FROM x' } }), 'QUERY')).toBeInstanceOf(
      SqlSandboxError,
    );
    expectErr(await sandbox(options), 'INTERNAL');
    expect(opened).toHaveLength(2);
    await sql.close();
    expectErr(await sandbox(options), 'NOT_OPEN');
    expect(opened).toHaveLength(2);
  });
});
