import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/adapter-sqlite` and `@keel/core` resolve to their `dist`. It is ESM only: a CommonJS
// app `require()`s the same ESM build (Node ≥ 20.19), so there is one copy of core.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-dist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(code: string) {
  return spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', code], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const script = (load: string, filename: string) => `
  ${load}
  const sql = createSqliteSql({ filename: ':memory:' });
  const migrated = await createMigrator(sql, { migrations: [{ version: 1, name: 't', up: 'CREATE TABLE t (v INTEGER)' }] }).up();
  await sql.execute('INSERT INTO t VALUES (?)', [2n ** 60n]);
  const read = (await sql.query('SELECT v FROM t'))._unsafeUnwrap();
  const bad = await sql.execute('INSERT INTO nope VALUES (1)');
  await sql.close();
  // Through the container, the adapter registered; the file's folder does not exist yet.
  const config = { sql: { adapter: 'sqlite', options: { filename: ${JSON.stringify(filename)} } } };
  const keel = (await createKeel(config, { env: false, adapters: [sqliteAdapter] }))._unsafeUnwrap();
  const one = (await keel.sql.query('SELECT 1 AS one'))._unsafeUnwrap();
  await keel.close();
  console.log(JSON.stringify({
    version: migrated._unsafeUnwrap().version, value: String(read.rows[0][0]), code: bad._unsafeUnwrapErr().code,
    sqlError: bad._unsafeUnwrapErr() instanceof SqlError, one: one.rows[0][0], adapter: keel.sql.adapter,
  }));`;
const expected = { version: 1, value: String(2n ** 60n), code: 'QUERY', sqlError: true, one: 1, adapter: 'sqlite' };

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from ESM', () => {
    const load =
      "import { createSqliteSql, sqliteAdapter } from '@keel/adapter-sqlite'; import { createKeel, createMigrator, SqlError } from '@keel/core';";
    const child = run(script(load, join(dir, 'esm', 'app.db')));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });

  it('works when required, as a CommonJS app would load it: the one ESM build', () => {
    const load = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const { createSqliteSql, sqliteAdapter } = require('@keel/adapter-sqlite');
      const { createKeel, createMigrator, SqlError } = await import('@keel/core');`;
    const child = run(script(load, join(dir, 'cjs', 'app.db')));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });
});
