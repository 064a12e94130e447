import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { testDatabaseTargets } from '@keel/testing';

/** Opens a connection to a test database. */
export function openDatabase(target: string): Sql {
  return /^postgres(ql)?:/.test(target)
    ? createPostgresSql({ connectionString: target, poolSize: 4 })
    : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
}

/** A fresh SQLite file and, where the machine has PostgreSQL, a fresh database on it. */
export const testDatabases = (label: string) => testDatabaseTargets(`templates-${label}`);

let tables = 0;
/** A table name no other test in this process uses: tests share a database, each with its own tables. */
export function freshTable(prefix = 'tpl'): string {
  return `${prefix}_${process.pid}_${tables++}`;
}

/** A small valid MJML body around `inner` (one column of content). */
export const mjmlBody = (inner: string) =>
  `<mjml><mj-body><mj-section><mj-column>${inner}</mj-column></mj-section></mj-body></mjml>`;
