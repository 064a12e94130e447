import { MigrationError, createMigrator, migrationChecksum, type Migration, type Sql } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqliteSql } from '../src/index.js';
import { testMigrations } from './fixtures/migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const opened: Sql[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
});
function open(filename = join(dir, `m-${counter++}.db`)): Sql {
  const sql = createSqliteSql({ filename });
  opened.push(sql);
  return sql;
}
const log = async (sql: Sql) => expectOk(await sql.query('SELECT entry FROM log')).rows.map((r) => r[0]);
const tables = async (sql: Sql) =>
  expectOk(
    await sql.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
  ).rows.map((r) => r[0]);

describe('createMigrator', () => {
  it('applies pending migrations in order, records them, and does nothing the second time', async () => {
    const sql = open();
    const migrator = createMigrator(sql, { migrations: [...testMigrations].reverse() });
    const first = expectOk(await migrator.up());
    expect(first).toEqual({
      ran: testMigrations.map((m) => ({ version: m.version, name: m.name })),
      skipped: [],
      version: 6,
    });
    expect(await log(sql)).toEqual(['2 up', '3 up', '4 up', '5 up', '6 up']);
    expect(expectOk(await migrator.up())).toEqual({ ran: [], skipped: [], version: 6 });
    const status = expectOk(await migrator.status());
    expect(status).toMatchObject({ pending: [], edited: [], unknown: [], version: 6 });
    expect(status.applied.map((a) => [a.version, a.name, a.checksum])).toEqual(
      testMigrations.map((m) => [m.version, m.name, migrationChecksum(m.up)]),
    );
    expect(Date.parse(status.applied[0]?.appliedAt ?? '')).not.toBeNaN();
  });

  it('applies up to a version when asked', async () => {
    const sql = open();
    const migrator = createMigrator(sql, { migrations: testMigrations });
    expect(expectOk(await migrator.up({ to: 2 })).version).toBe(2);
    expect(expectOk(await migrator.status()).pending.map((m) => m.version)).toEqual([3, 4, 5, 6]);
  });

  it('refuses to start, applying nothing, when an applied migration was edited', async () => {
    const sql = open();
    expectOk(await createMigrator(sql, { migrations: testMigrations.slice(0, 3) }).up());
    const edited = testMigrations.map((m) =>
      m.version === 2 ? { ...m, up: `${m.up}; INSERT INTO log VALUES ('sneaky')` } : m,
    );
    const migrator = createMigrator(sql, { migrations: edited });
    const refused = expectErr(await migrator.up(), 'CHECKSUM_MISMATCH');
    expect(refused).toBeInstanceOf(MigrationError);
    expect(refused.version).toBe(2);
    expect(refused.message).toMatch(/applied migration 2 \(add email\) was edited/);
    // Versions 4 to 6 were pending and stay so.
    expect(expectOk(await migrator.status())).toMatchObject({ edited: [2], version: 3 });
    expect(await log(sql)).toEqual(['2 up', '3 up']);
    expectErr(await migrator.down(0), 'CHECKSUM_MISMATCH');
    expect(await log(sql)).toEqual(['2 up', '3 up']);
  });

  it('does not count line endings or trailing blank lines as an edit', async () => {
    const sql = open();
    const lf = testMigrations.map((m) => ({ ...m, up: m.up.replaceAll('; ', ';\n') }));
    expectOk(await createMigrator(sql, { migrations: lf.slice(0, 2) }).up());
    const crlf = lf.map((m) => ({ ...m, up: `${m.up.replaceAll('\n', '\r\n')}\r\n\r\n` }));
    expect(expectOk(await createMigrator(sql, { migrations: crlf }).up()).version).toBe(6);
  });

  it('refuses a database that has versions the set does not know', async () => {
    const sql = open();
    expectOk(await createMigrator(sql, { migrations: testMigrations }).up());
    const older = createMigrator(sql, { migrations: testMigrations.slice(0, 4) });
    const refused = expectErr(await older.up(), 'UNKNOWN_VERSION');
    expect(refused.message).toMatch(/version 5, 6 of 'app'/);
  });

  it('reverts to a target version, newest first, and back up again', async () => {
    const sql = open();
    const migrator = createMigrator(sql, { migrations: testMigrations });
    expectOk(await migrator.up());
    const down = expectOk(await migrator.down(2));
    expect(down).toEqual({
      ran: [6, 5, 4, 3].map((v) => ({ version: v, name: testMigrations[v - 1]?.name })),
      skipped: [],
      version: 2,
    });
    expect(await log(sql)).toEqual(['2 up', '3 up', '4 up', '5 up', '6 up', '6 down', '5 down', '4 down', '3 down']);
    expect(await tables(sql)).toEqual(['keel_migrations', 'log', 'users']);
    expect(expectOk(await migrator.down(2)).ran).toEqual([]);
    expect(expectOk(await migrator.up()).version).toBe(6);
    expect(expectOk(await migrator.down(0))).toMatchObject({ version: 0 });
    expect(await tables(sql)).toEqual(['keel_migrations']);
  });

  it('refuses down past a migration without a down script, reverting nothing', async () => {
    const sql = open();
    const oneWay = testMigrations.map((m) => (m.version === 3 ? { version: m.version, name: m.name, up: m.up } : m));
    const migrator = createMigrator(sql, { migrations: oneWay });
    expectOk(await migrator.up());
    const refused = expectErr(await migrator.down(1), 'NOT_REVERSIBLE');
    expect(refused.version).toBe(3);
    expect(expectOk(await migrator.status()).version).toBe(6);
    expect(expectOk(await migrator.down(3)).version).toBe(3);
  });

  it('rolls back a failing migration whole, keeping the ones before it', async () => {
    const sql = open();
    const broken: Migration[] = [
      ...testMigrations.slice(0, 2),
      {
        version: 3,
        name: 'half',
        up: "CREATE TABLE half (v TEXT); INSERT INTO log VALUES ('3 up'); INSERT INTO no_such_table VALUES (1)",
      },
      testMigrations[3] as Migration,
    ];
    const failed = expectErr(await createMigrator(sql, { migrations: broken }).up(), 'MIGRATION_FAILED');
    expect(failed.version).toBe(3);
    expect(failed.cause).toMatchObject({ code: 'QUERY' });
    expect(await tables(sql)).toEqual(['keel_migrations', 'log', 'users']);
    expect(await log(sql)).toEqual(['2 up']);
    expect(expectOk(await createMigrator(sql, { migrations: broken }).status()).version).toBe(2);
  });

  it('keeps scopes apart in one table', async () => {
    const sql = open();
    expectOk(await createMigrator(sql, { migrations: testMigrations.slice(0, 1) }).up());
    const library = createMigrator(sql, {
      scope: 'keel-auth',
      table: 'keel_migrations',
      migrations: [
        {
          version: 1,
          name: 'sessions',
          up: 'CREATE TABLE sessions (id TEXT PRIMARY KEY)',
          down: 'DROP TABLE sessions',
        },
      ],
    });
    expect(expectOk(await library.up()).ran).toEqual([{ version: 1, name: 'sessions' }]);
    expect(expectOk(await createMigrator(sql, { migrations: testMigrations }).status()).version).toBe(1);
    expect(expectOk(await library.down(0)).version).toBe(0);
    expect(await tables(sql)).toEqual(['keel_migrations', 'log', 'users']);
  });

  it('reads a folder of .up.sql / .down.sql files', async () => {
    const folder = join(dir, `folder-${counter++}`);
    mkdirSync(folder);
    for (const m of testMigrations) {
      const base = `${String(m.version).padStart(4, '0')}_${m.name.replaceAll(' ', '_')}`;
      writeFileSync(join(folder, m.version % 2 ? `${base}.up.sql` : `${base}.sql`), m.up.replaceAll('; ', ';\n'));
      if (m.down) writeFileSync(join(folder, `${base}.down.sql`), m.down);
    }
    writeFileSync(join(folder, 'README.md'), 'not a migration');
    const sql = open();
    const migrator = createMigrator(sql, { migrations: { folder } });
    const ran = expectOk(await migrator.up()).ran;
    expect(ran.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ran[0]?.name).toBe('create_users');
    expect(expectOk(await migrator.down(4)).version).toBe(4);
    // Editing an applied file is caught on the next start.
    writeFileSync(join(folder, '0002_add_email.sql'), 'ALTER TABLE users ADD COLUMN phone TEXT');
    expectErr(await createMigrator(sql, { migrations: { folder } }).up(), 'CHECKSUM_MISMATCH');
  });

  it('runs the script for its own dialect, from a list or a folder', async () => {
    const sql = open();
    const perDialect: Migration[] = [
      {
        version: 1,
        name: 'items',
        up: {
          sqlite: 'CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT)',
          postgres: 'CREATE TABLE items (id BIGSERIAL PRIMARY KEY)',
        },
        down: { sqlite: 'DROP TABLE items' },
      },
      { version: 2, name: 'log', up: 'CREATE TABLE log (entry TEXT)', down: { postgres: 'DROP TABLE log' } },
    ];
    const migrator = createMigrator(sql, { migrations: perDialect });
    expectOk(await migrator.up());
    expect(await tables(sql)).toEqual(['items', 'keel_migrations', 'log']);
    const applied = expectOk(await migrator.status()).applied;
    expect(applied[0]?.checksum).toBe(migrationChecksum('CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT)'));
    // Version 2 has a down script for PostgreSQL only: on SQLite it cannot be reverted.
    expectErr(await migrator.down(0), 'NOT_REVERSIBLE');

    const folder = join(dir, `dialects-${counter++}`);
    mkdirSync(folder);
    writeFileSync(join(folder, '1_a.up.sql'), 'CREATE TABLE plain_a (v)');
    writeFileSync(join(folder, '1_a.sqlite.up.sql'), 'CREATE TABLE lite_a (v)');
    writeFileSync(join(folder, '2_b.postgres.up.sql'), 'CREATE TABLE pg_only (v JSONB)');
    writeFileSync(join(folder, '2_b.up.sql'), 'CREATE TABLE plain_b (v)');
    writeFileSync(join(folder, '2_b.sqlite.down.sql'), 'DROP TABLE plain_b');
    const other = open();
    const fromFolder = createMigrator(other, { migrations: { folder } });
    const ran = expectOk(await fromFolder.up()).ran;
    expect(ran).toEqual([
      { version: 1, name: 'a' },
      { version: 2, name: 'b' },
    ]);
    expect(await tables(other)).toEqual(['keel_migrations', 'lite_a', 'plain_b']);
    expect(expectOk(await fromFolder.down(1)).version).toBe(1);
    expect(await tables(other)).toEqual(['keel_migrations', 'lite_a']);
  });

  it('refuses a migration with no script for the database’s dialect, before running anything', async () => {
    const sql = open();
    expect(() =>
      createMigrator(sql, { migrations: [{ version: 1, name: 'pg', up: { postgres: 'CREATE TABLE t (v JSONB)' } }] }),
    ).toThrow("migrations[0].up (version 1) has no script for sqlite, the database's dialect (it has: postgres)");
    expect(() => createMigrator(sql, { migrations: [{ version: 1, name: 'x', up: { mysql: 'X' } as never }] })).toThrow(
      'names no known dialect: mysql',
    );
    const folder = join(dir, `pg-only-${counter++}`);
    mkdirSync(folder);
    writeFileSync(join(folder, '1_a.up.sql'), 'CREATE TABLE a (v)');
    writeFileSync(join(folder, '2_b.postgres.up.sql'), 'CREATE TABLE b (v JSONB)');
    const failed = expectErr(await createMigrator(sql, { migrations: { folder } }).up(), 'INVALID_MIGRATIONS');
    expect(failed.message).toContain('version 2 has no up script for sqlite (found 2_b.postgres.up.sql)');
    expect(await tables(sql)).toEqual([]);
  });

  it('returns folder problems as Errs and throws on a malformed list', async () => {
    const sql = open();
    expectErr(await createMigrator(sql, { migrations: { folder: join(dir, 'missing') } }).up(), 'READ_FAILED');
    const folder = join(dir, `bad-${counter++}`);
    mkdirSync(folder);
    writeFileSync(join(folder, 'create_users.sql'), 'CREATE TABLE x (v)');
    expect(expectErr(await createMigrator(sql, { migrations: { folder } }).up(), 'INVALID_MIGRATIONS').message).toMatch(
      /create_users\.sql/,
    );
    rmSync(join(folder, 'create_users.sql'));
    writeFileSync(join(folder, '1_a.sql'), 'CREATE TABLE a (v)');
    writeFileSync(join(folder, '01_b.sql'), 'CREATE TABLE b (v)');
    expectErr(await createMigrator(sql, { migrations: { folder } }).up(), 'INVALID_MIGRATIONS');
    // The set is read before the database is touched.
    expect(await tables(sql)).toEqual([]);

    const m = testMigrations[0] as Migration;
    expect(() => createMigrator(sql, { migrations: [m, m] })).toThrow(/version 1 appears twice/);
    expect(() => createMigrator(sql, { migrations: [{ ...m, version: 0 }] })).toThrow(/positive integer/);
    expect(() => createMigrator(sql, { migrations: [{ ...m, up: ' ' }] })).toThrow(/non-empty SQL/);
    expect(() => createMigrator(sql, { migrations: testMigrations, table: 'x; DROP TABLE users' })).toThrow(
      /plain identifier/,
    );
    expect(() => createMigrator(sql, { migrations: 'folder' as never })).toThrow(TypeError);
    expect(() => createMigrator(sql, { migrations: testMigrations }).down(-1)).toThrow(TypeError);
  });
});

describe('two processes migrating at once', () => {
  const child = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));
  const cwd = fileURLToPath(new URL('..', import.meta.url));

  function migrateIn(
    filename: string,
    startAt: number,
  ): Promise<{
    ok?: { ran: { version: number }[]; skipped: { version: number }[] };
    err?: { code: string; message: string };
  }> {
    return new Promise((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        ['--conditions=keel-source', '--import', 'tsx', child, filename, String(startAt)],
        { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let errors = '';
      proc.stdout.on('data', (d: Buffer) => (out += d));
      proc.stderr.on('data', (d: Buffer) => (errors += d));
      proc.on('error', reject);
      proc.on('close', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${errors}`)),
      );
    });
  }

  it('apply each migration exactly once', async () => {
    for (let round = 0; round < 3; round++) {
      const filename = join(dir, `race-${round}.db`);
      const startAt = Date.now() + 1500;
      const results = await Promise.all([
        migrateIn(filename, startAt),
        migrateIn(filename, startAt),
        migrateIn(filename, startAt),
      ]);
      for (const r of results) expect(r.err).toBeUndefined();
      const ran = results.flatMap((r) => r.ok?.ran.map((m) => m.version) ?? []).sort((a, b) => a - b);
      expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
      // What a process found pending but another applied first, it reports as skipped, never as ran.
      for (const r of results) {
        const own = new Set(r.ok?.ran.map((m) => m.version));
        for (const s of r.ok?.skipped ?? []) expect(own.has(s.version)).toBe(false);
      }
      const sql = open(filename);
      expect(await log(sql)).toEqual(['2 up', '3 up', '4 up', '5 up', '6 up']);
      expect(expectOk(await sql.query('SELECT count(*) FROM keel_migrations')).rows).toEqual([[6]]);
      expect(expectOk(await sql.query('SELECT count(*) FROM posts')).rows).toEqual([[1]]);
    }
    // Nine tsx starts from source: seconds each on a busy machine.
  }, 120_000);
});
