import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/adapter-sqlite` and `@keel/core` resolve to their `dist`.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function run(code: string, type: 'module' | 'commonjs') {
  return spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd, encoding: 'utf8', timeout: 30_000 });
}

// The sql sandbox's child process runs dist/sandbox/sqlite-sandbox-child.js, found from either build.
const script = (load: string) => `
  ${load}
  const sql = createSqliteSql({ filename: ':memory:' });
  const migrated = await createMigrator(sql, { migrations: [{ version: 1, name: 't', up: 'CREATE TABLE t (v INTEGER)' }] }).up();
  await sql.execute('INSERT INTO t VALUES (?)', [2n ** 60n]);
  const read = (await sql.query('SELECT v FROM t'))._unsafeUnwrap();
  const bad = await sql.execute('INSERT INTO nope VALUES (1)');
  await sql.close();
  const file = createSqliteSql({ filename: require('node:path').join(require('node:os').tmpdir(), 'keel-smoke-' + process.pid + '.db') });
  await file.executeScript('CREATE TABLE IF NOT EXISTS t (v INTEGER)');
  const sandbox = (await file.sandbox({ readOnly: true, deadlineMs: 5000, maxResultBytes: 65536 }))._unsafeUnwrap();
  const inSandbox = (await sandbox.query('SELECT 41 + 1'))._unsafeUnwrap().rows[0][0];
  const write = (await sandbox.query('DELETE FROM t'))._unsafeUnwrapErr().code;
  await file.close();
  console.log(JSON.stringify({ version: migrated._unsafeUnwrap().version, value: String(read.rows[0][0]), code: bad._unsafeUnwrapErr().code, inSandbox, write }));`;
const expected = { version: 1, value: String(2n ** 60n), code: 'QUERY', inSandbox: 42, write: 'ACCESS_DENIED' };

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from ESM', () => {
    const child = run(
      script(
        "import { createSqliteSql } from '@keel/adapter-sqlite'; import { createMigrator } from '@keel/core'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      ),
      'module',
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });

  it('works from CommonJS', () => {
    const load =
      "const { createSqliteSql } = require('@keel/adapter-sqlite'); const { createMigrator } = require('@keel/core');";
    const child = run(`(async () => { ${script(load)} })()`, 'commonjs');
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
      import { join } from 'node:path';
      import { tmpdir } from 'node:os';
      const sql = createSqliteSql({ filename: join(tmpdir(), 'keel-orphan-' + process.pid + '.db') });
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
