import { runBuilt } from '@keel/testing';
import { execFileSync, spawn } from 'node:child_process';
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

const run = (code: string) => runBuilt(new URL('..', import.meta.url), code);

// The sql sandbox's child process runs dist/sandbox/sqlite-sandbox-child.js, found from the built entry.
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
  await keel.sql.executeScript('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
  const sandbox = (await keel.sql.sandbox({ readOnly: true, deadlineMs: 5000, maxResultBytes: 65536 }))._unsafeUnwrap();
  const inSandbox = (await sandbox.query('SELECT 41 + 1'))._unsafeUnwrap().rows[0][0];
  const write = (await sandbox.query('DELETE FROM t'))._unsafeUnwrapErr().code;
  await keel.close();
  console.log(JSON.stringify({
    version: migrated._unsafeUnwrap().version, value: String(read.rows[0][0]), code: bad._unsafeUnwrapErr().code,
    sqlError: bad._unsafeUnwrapErr() instanceof SqlError, one: one.rows[0][0], adapter: keel.sql.adapter,
    inSandbox, write,
  }));`;
const expected = {
  version: 1,
  value: String(2n ** 60n),
  code: 'QUERY',
  sqlError: true,
  one: 1,
  adapter: 'sqlite',
  inSandbox: 42,
  write: 'ACCESS_DENIED',
};

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

describe('the sql sandbox of a built package', () => {
  // The app dies (SIGKILL) while its sandbox runs a statement that never ends: nobody is left to
  // kill the sandbox at the deadline, so its watchdog thread ends it.
  it.skipIf(process.platform !== 'linux')(
    'ends when the app dies in the middle of a statement',
    async () => {
      const code = `
      import { createSqliteSql } from '@keel/adapter-sqlite';
      const sql = createSqliteSql({ filename: ${JSON.stringify(join(dir, 'orphan.db'))} });
      await sql.executeScript('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
      const sandbox = (await sql.sandbox({ readOnly: true, deadlineMs: 600000, maxResultBytes: 65536 }))._unsafeUnwrap();
      void sandbox.query('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c');
      console.log('running');`;
      const app = spawn(process.execPath, ['--input-type=module', '-e', code], {
        cwd,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) =>
        app.stdout.on('data', (d: Buffer) => d.toString().includes('running') && resolve()),
      );
      const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(app.pid)], { encoding: 'utf8' });
      const sandbox = Number(children.trim().split(/\s+/)[0]);
      expect(sandbox).toBeGreaterThan(0);
      app.kill('SIGKILL');
      let alive = true;
      for (let i = 0; i < 100 && alive; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          process.kill(sandbox, 0);
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
    },
    30_000,
  );
});
