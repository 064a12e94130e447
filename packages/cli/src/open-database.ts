import { resolve } from 'node:path';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { CliError } from './cli-io.js';

/** `--db`: a PostgreSQL URL, or the path of a SQLite file (created when missing). */
export function openDatabase(cwd: string, db: string | undefined): Sql {
  if (!db)
    throw new CliError(
      'NO_DATABASE',
      'this command works on an app database',
      'pass --db <sqlite file or postgres:// URL>, or --url <the app console URL> with KEEL_TOKEN',
    );
  return /^postgres(ql)?:\/\//.test(db)
    ? createPostgresSql({ connectionString: db })
    : createSqliteSql({ filename: resolve(cwd, db) });
}
