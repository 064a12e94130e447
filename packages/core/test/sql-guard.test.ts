import { describe, expect, it } from 'vitest';
import { defineSql, type SqlDriver } from '../src/index.js';

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
    expect(() => defineSql(driver({}))).toThrow("sql adapter 'test' declares synchronous and transactions but has no busy()");
    expect(defineSql(driver({ busy: () => false })).sync).toBeDefined();
  });
});
