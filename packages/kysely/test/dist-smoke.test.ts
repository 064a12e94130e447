import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/kysely`,
// `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`, and kysely to its package.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const script = `
  import { SqlError } from '@keel/core';
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { keelDialect } from '@keel/kysely';
  import { Kysely } from 'kysely';
  const sql = createSqliteSql({ filename: ':memory:' });
  const db = new Kysely({ dialect: keelDialect(sql) });
  await db.schema.createTable('t').addColumn('v', 'text', (c) => c.unique()).execute();
  await db.transaction().execute((trx) => trx.insertInto('t').values({ v: 'a' }).execute());
  const rows = await db.selectFrom('t').selectAll().execute();
  const error = await db.insertInto('t').values({ v: 'a' }).execute().catch((e) => e);
  await db.destroy();
  await sql.close();
  console.log(JSON.stringify({ rows, sqlError: error instanceof SqlError, code: error.code }));`;

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from plain node with the built core and adapter', () => {
    const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ rows: [{ v: 'a' }], sqlError: true, code: 'CONSTRAINT_VIOLATION' });
  });
});
