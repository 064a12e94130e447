import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { testPostgres } from '@keel/testing';

/** A database the tests (and their child processes) share: a SQLite file or a PostgreSQL URL. */
export interface TestDatabase {
  readonly name: string;
  /** What a child process gets on its command line. */
  readonly target: string;
}

/** Opens a connection to a test database, in the test or in a child process. */
export function openDatabase(target: string): Sql {
  return /^postgres(ql)?:/.test(target)
    ? createPostgresSql({ connectionString: target, poolSize: 6 })
    : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
}

/**
 * The databases every test body runs on: a fresh SQLite file and, when the machine's
 * PostgreSQL can be reached, a fresh database on it (or the written reason it is skipped).
 */
export async function testDatabases(label: string): Promise<{
  databases: TestDatabase[];
  skipped: string | undefined;
  cleanup(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), `keel-workflows-${label}-`));
  const databases: TestDatabase[] = [{ name: 'SQLite', target: join(dir, `${label}.sqlite`) }];
  const pg = await testPostgres();
  if (pg.server) databases.push({ name: 'PostgreSQL', target: await pg.server.database(`workflows_${label}`) });
  return {
    databases,
    skipped: pg.skip,
    async cleanup() {
      await pg.server?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let tables = 0;
/** A table name no other test in this process uses: tests share a database, each with its own tables. */
export function freshTable(): string {
  return `wf_${process.pid}_${tables++}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 5 ms until it returns something other than `undefined`/`false`, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`still not true after ${ms} ms`);
    await sleep(5);
  }
}
