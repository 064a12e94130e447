import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStatements } from '../src/sqlite-statements.js';

describe('the statement cache (core’s StatementCache on prepared statements)', () => {
  const db = new Database(':memory:');
  afterAll(() => db.close());

  it('drops the least recently used statement when full', () => {
    const cache = sqliteStatements(db, 2);
    const a = cache.get('SELECT 1');
    const b = cache.get('SELECT 2');
    expect(cache.get('SELECT 1')).toBe(a);
    cache.get('SELECT 3'); // evicts SELECT 2, used longest ago
    expect(cache.size).toBe(2);
    expect(cache.get('SELECT 1')).toBe(a);
    expect(cache.get('SELECT 2')).not.toBe(b);
  });

  it('counts repeated use of the last statement as use', () => {
    const cache = sqliteStatements(db, 2);
    const a = cache.get('SELECT 1');
    const b = cache.get('SELECT 2');
    cache.get('SELECT 1');
    for (let i = 0; i < 3; i++) expect(cache.get('SELECT 1')).toBe(a);
    cache.get('SELECT 2');
    cache.get('SELECT 2');
    cache.get('SELECT 3'); // SELECT 1 is now the older one
    expect(cache.get('SELECT 2')).toBe(b);
    expect(cache.get('SELECT 1')).not.toBe(a);
  });

  it('prepares every time with capacity 0, and forgets everything on clear', () => {
    const none = sqliteStatements(db, 0);
    expect(none.get('SELECT 1')).not.toBe(none.get('SELECT 1'));
    expect(none.size).toBe(0);
    const cache = sqliteStatements(db, 5);
    const a = cache.get('SELECT 1');
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('SELECT 1')).not.toBe(a);
  });

  it('notes what each statement is', () => {
    const cache = sqliteStatements(db, 10);
    db.exec('CREATE TABLE IF NOT EXISTS t (v)');
    expect(cache.get('SELECT ?1, ?2')).toMatchObject({ reader: true, numbered: true, inserts: false });
    expect(cache.get("SELECT '?1', ?")).toMatchObject({ numbered: false });
    expect(cache.get('  -- note\n /* x */ insert into t values (1)')).toMatchObject({
      reader: false,
      inserts: true,
      changesSchema: false,
    });
    expect(cache.get('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toMatchObject({ inserts: true });
    expect(cache.get('REPLACE INTO t VALUES (2)')).toMatchObject({ inserts: true });
    expect(cache.get('UPDATE t SET v = 1')).toMatchObject({ inserts: false });
    expect(cache.get('CREATE INDEX IF NOT EXISTS ti ON t (v)')).toMatchObject({ changesSchema: true });
    expect(cache.get('SAVEPOINT a')).toMatchObject({ transactionControl: true });
    expect(cache.get('end transaction')).toMatchObject({ transactionControl: true });
  });
});
