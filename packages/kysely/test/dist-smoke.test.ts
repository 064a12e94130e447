import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/kysely`,
// `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`, and kysely to its package.
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

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'works from plain node with the built core and adapter',
  expected: { rows: [{ v: 'a' }], sqlError: true, code: 'CONSTRAINT_VIOLATION' },
});
