import { describe, expect, it } from 'vitest';
import { statementProblem } from '../src/imports/sql-statement-guard.js';

describe('statementProblem', () => {
  it('lets a read-only grant read', () => {
    for (const sql of [
      'SELECT * FROM users WHERE id = ?',
      '  select count(*) from t',
      'SELECT \'DELETE FROM users\' AS text, "update" FROM t',
      'WITH recent AS (SELECT * FROM posts ORDER BY id DESC LIMIT 5) SELECT * FROM recent',
      'VALUES (1), (2)',
      "SELECT replace(name, 'a', 'b') FROM t -- DROP TABLE t",
      'SELECT /* INSERT */ 1;',
      "SELECT * FROM pragma_table_info('t')",
      'SELECT updated_at, created_by FROM t',
    ]) {
      expect(statementProblem(sql, 'read-only'), sql).toBeUndefined();
    }
  });

  it('refuses a read-only grant anything that can write', () => {
    for (const sql of [
      'DELETE FROM users',
      'DELETE FROM users RETURNING id',
      'INSERT INTO t VALUES (1)',
      'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x',
      'WITH x AS (SELECT 1) DELETE FROM t',
      'WITH x AS (SELECT 1) REPLACE INTO t SELECT * FROM x',
      'SELECT * INTO backup FROM users',
      'UPDATE t SET a = 1',
      'CREATE TABLE t (a)',
      'SELECT 1; DELETE FROM t',
      'SELECT 1; SELECT 2',
      'BEGIN',
      "SELECT nextval('seq')",
      '',
    ]) {
      expect(statementProblem(sql, 'read-only'), sql).toBeDefined();
    }
    expect(statementProblem('SELECT 1', 'read-only', true)).toBeDefined();
  });

  it('refuses under any grant what reaches outside the database', () => {
    for (const sql of [
      "ATTACH DATABASE '/tmp/x.db' AS x",
      'DETACH x',
      'PRAGMA journal_mode = delete',
      "VACUUM INTO '/tmp/copy.db'",
      "SELECT load_extension('/tmp/evil.so')",
      "SELECT writefile('/tmp/x', 'y')",
    ]) {
      expect(statementProblem(sql, 'read-write'), sql).toBeDefined();
      expect(statementProblem(sql, 'read-only'), sql).toBeDefined();
    }
  });

  it('finds blocked functions and side-effecting pragma tables however their names are written', () => {
    for (const sql of [
      'SELECT "fts3_tokenizer"(?)',
      "SELECT [FTS3_TOKENIZER]('simple', ?)",
      'SELECT `load_extension`(?)',
      'SELECT fts3_tokenizer /* gap */ (?)',
      'SELECT * FROM pragma_optimize',
      'SELECT * FROM "pragma_optimize"',
      "SELECT * FROM 'pragma_optimize'",
      'SELECT * FROM main.[pragma_writable_schema]',
    ]) {
      expect(statementProblem(sql, 'read-write'), sql).toBeDefined();
      expect(statementProblem(sql, 'read-only'), sql).toBeDefined();
    }
    expect(statementProblem('SELECT optimize(docs) FROM docs', 'read-only')).toBe(
      'optimize() can write, and the grant is read-only',
    );
    expect(statementProblem('SELECT "optimize"(docs) FROM docs', 'read-only')).toBeDefined();
    expect(statementProblem("SELECT * FROM pragma_index_list('t')", 'read-only')).toBeUndefined();
    expect(statementProblem("SELECT 'please attach the file' AS note", 'read-only')).toBeUndefined();
  });

  it('lets a read-write grant write, and run scripts', () => {
    expect(statementProblem('INSERT INTO t VALUES (1)', 'read-write')).toBeUndefined();
    expect(statementProblem('CREATE TABLE t (a); INSERT INTO t VALUES (1);', 'read-write', true)).toBeUndefined();
    expect(statementProblem("INSERT INTO t VALUES ('ATTACH')", 'read-write')).toBeUndefined();
  });
});
