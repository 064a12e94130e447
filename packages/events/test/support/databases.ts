import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { testPostgres } from '@keel/testing';

/** A database the tests run on: SQLite files, or the machine's PostgreSQL (a fresh database each). */
export interface TestDatabase {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** Why it is skipped, when it is. */
  readonly skip?: string;
  /** A fresh, empty database: a file name or a URL, what child processes get on their command line. */
  create(label: string): Promise<string>;
  open(target: string): Sql;
  /** Removes what `create` made (after every connection is closed). */
  cleanup(): Promise<void>;
}

/** Opens a database given as a SQLite file name or a PostgreSQL URL (children use it too). */
export function openDatabase(target: string, options: { poolSize?: number } = {}): Sql {
  return /^postgres(ql)?:/.test(target)
    ? createPostgresSql({ connectionString: target, ...(options.poolSize ? { poolSize: options.poolSize } : {}) })
    : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
}

/** SQLite, then PostgreSQL (skipped with its reason when there is none, except under CI). */
export async function testDatabases(): Promise<TestDatabase[]> {
  let folder: string | undefined;
  let n = 0;
  const sqlite: TestDatabase = {
    name: 'SQLite',
    create: async (label) => {
      folder ??= mkdtempSync(join(tmpdir(), 'keel-events-'));
      return join(folder, `${label}-${n++}.sqlite`);
    },
    open: (target) => openDatabase(target),
    cleanup: async () => {
      if (folder) rmSync(folder, { recursive: true, force: true });
      folder = undefined;
    },
  };
  const pg = await testPostgres();
  const server = pg.server;
  const postgres: TestDatabase = {
    name: 'PostgreSQL',
    ...(pg.skip ? { skip: pg.skip } : {}),
    create: (label) => (server ? server.database(`events_${label}`) : Promise.reject(new Error(pg.skip))),
    open: (target) => openDatabase(target),
    cleanup: async () => server?.cleanup(),
  };
  return [sqlite, postgres];
}
