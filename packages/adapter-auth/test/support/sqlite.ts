// A temporary SQLite file behind Keel's sql contract for the tests: the real adapter, on a file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';

export interface TestSql {
  readonly sql: Sql;
  readonly file: string;
  /** Closes the database and deletes its folder. */
  dispose(): Promise<void>;
}

export async function createTestSql(): Promise<TestSql> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-auth-'));
  const file = join(dir, 'auth.db');
  const sql = createSqliteSql({ filename: file });
  return {
    sql,
    file,
    async dispose() {
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
