import { describe, expect, it } from 'vitest';
import { defineSql, type SqlDriver, type SqlTransactionDriver } from '../src/adapter.js';
import { expectErr, expectOk } from '@keel/testing';

const driver = (overrides: Partial<SqlDriver>): SqlDriver => ({
  adapter: 'test',
  capabilities: { transactions: true, savepoints: false, namedParameters: false, persistent: false, synchronous: true },
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
