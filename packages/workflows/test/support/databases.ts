import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { testDatabaseTargets } from '@keel/testing';

export { eventually, sleep, type TestDatabaseTarget as TestDatabase } from '@keel/testing';

/** Opens a connection to a test database, in the test or in a child process. */
export function openDatabase(target: string): Sql {
  return /^postgres(ql)?:/.test(target)
    ? createPostgresSql({ connectionString: target, poolSize: 6 })
    : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
}

/** A fresh SQLite file and, where the machine has PostgreSQL, a fresh database on it. */
export const testDatabases = (label: string) => testDatabaseTargets(`workflows-${label}`);

let tables = 0;
/** A table name no other test in this process uses: tests share a database, each with its own tables. */
export function freshTable(): string {
  return `wf_${process.pid}_${tables++}`;
}
