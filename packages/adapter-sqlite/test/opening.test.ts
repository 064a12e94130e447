import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSqliteSql, type SqliteSqlOptions } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-opening-'));
afterAll(() => {
  // Give back what the permission test took away, or a non-root run could not delete it.
  for (const folder of [dir, join(dir, 'perms'), join(dir, 'perms', 'closed')]) {
    if (existsSync(folder)) chmodSync(folder, 0o755);
  }
  rmSync(dir, { recursive: true, force: true });
});

const opened: Sql[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sql) => sql.close()));
});
function sqlite(options: SqliteSqlOptions): Sql {
  const sql = createSqliteSql(options);
  opened.push(sql);
  return sql;
}
const cannotOpen = (filename: string, why: string) => `cannot open sqlite database '${filename}': ${why}`;

describe('opening a database file', () => {
  it('creates the missing parent folders of the file, at open and not before', async () => {
    const filename = join(dir, 'new', 'deeper', 'app.db');
    const sql = sqlite({ filename });
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expectOk(await sql.executeScript('CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1)'));
    expect(existsSync(filename)).toBe(true);
    expect(expectOk(await sql.query('SELECT v FROM t')).rows).toEqual([[1]]);
  });

  it('creates nothing when read-only or fileMustExist, and says the folder is missing', async () => {
    const folder = join(dir, 'absent', 'still');
    const filename = join(folder, 'app.db');
    const readonly = expectErr(await sqlite({ filename, readonly: true }).open(), 'CONNECTION');
    expect(readonly.message).toBe(
      cannotOpen(filename, `its folder '${folder}' does not exist (nothing is created when readonly is true)`),
    );
    // A relative path is named as given; the folder in the reason is absolute.
    const given = relative(process.cwd(), filename);
    const mustExist = expectErr(await sqlite({ filename: given, fileMustExist: true }).open(), 'CONNECTION');
    expect(mustExist.message).toBe(
      cannotOpen(given, `its folder '${folder}' does not exist (nothing is created when fileMustExist is true)`),
    );
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  });

  it('says the file does not exist when it must, and opens once it does', async () => {
    const filename = join(dir, 'later.db');
    const sql = sqlite({ filename, fileMustExist: true });
    const error = expectErr(await sql.open(), 'CONNECTION');
    expect(error.message).toBe(
      cannotOpen(filename, `the file '${filename}' does not exist (nothing is created when fileMustExist is true)`),
    );
    expect((error.cause as { code?: string }).code).toBe('SQLITE_CANTOPEN');
    expectErr(await sql.query('SELECT 1'), 'CONNECTION');
    expect((await sql.health()).ok).toBe(false);
    new Database(filename).close();
    expectOk(await sql.open());
  });

  it('names the part of the path that is a file, not a folder', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'just text');
    const filename = join(file, 'sub', 'app.db');
    const created = expectErr(await sqlite({ filename }).open(), 'CONNECTION');
    expect(created.message).toBe(cannotOpen(filename, `'${file}' is a file, not a folder`));
    expect((created.cause as { code?: string }).code).toBe('ENOTDIR');
    const mustExist = expectErr(await sqlite({ filename, fileMustExist: true }).open(), 'CONNECTION');
    expect(mustExist.message).toBe(cannotOpen(filename, `'${file}' is a file, not a folder`));
  });

  it('says when the path is a folder', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const error = expectErr(await sqlite({ filename: folder }).open(), 'CONNECTION');
    expect(error.message).toBe(cannotOpen(folder, `'${folder}' is a folder, not a database file`));
  });

  it('says when the file is not a database, keeping SQLite’s code in the cause', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database '.repeat(400));
    const error = expectErr(await sqlite({ filename: junk }).open(), 'CONNECTION');
    expect(error.message).toBe(cannotOpen(junk, 'the file is not a SQLite database (or it is encrypted)'));
    expect((error.cause as { code?: string }).code).toBe('SQLITE_NOTADB');
  });

  it('is BUSY, saying so, while another connection holds the file locked, and opens after', async () => {
    const filename = join(dir, 'held.db');
    const holder = new Database(filename);
    holder.pragma('journal_mode = delete');
    holder.exec('CREATE TABLE t (v INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)');
    const sql = sqlite({ filename, busyTimeoutMs: 20 });
    try {
      const error = expectErr(await sql.open(), 'BUSY');
      expect(error.message).toBe(
        cannotOpen(filename, 'it is locked by another connection, which kept it past busyTimeoutMs (20 ms)'),
      );
      expect((error.cause as { code?: string }).code).toBe('SQLITE_BUSY');
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    expect(expectOk(await sql.query('SELECT v FROM t')).rows).toEqual([[1]]);
  });

  // /sys refuses new files even to root (EACCES, or EROFS where it is mounted read-only): a
  // folder that really is not writable, whoever runs the tests.
  it.runIf(existsSync('/sys/kernel'))('says the folder is not writable, or its folder cannot be created', async () => {
    const filename = '/sys/keel-opening-test.db';
    const denied = expectErr(await sqlite({ filename }).open(), 'CONNECTION');
    expect(denied.message).toMatch(
      /^cannot open sqlite database '\/sys\/keel-opening-test\.db': its folder '\/sys' is not writable \((EACCES|EROFS|EPERM)\)$/,
    );
    const nested = '/sys/keel-opening-test/app.db';
    const uncreated = expectErr(await sqlite({ filename: nested }).open(), 'CONNECTION');
    expect(uncreated.message).toMatch(
      /^cannot open sqlite database '\/sys\/keel-opening-test\/app\.db': its folder '\/sys\/keel-opening-test' does not exist and cannot be created in '\/sys' \((EACCES|EROFS|EPERM)\)$/,
    );
  });
});

describe('permission bits', () => {
  // Root ignores them, so the opens run in a child process as `nobody` when the tests run as root.
  it('say which folder is not writable and which file may not be written or read', () => {
    const perms = join(dir, 'perms');
    const closed = join(perms, 'closed');
    mkdirSync(closed, { recursive: true });
    const lockedDown = join(perms, 'locked-down.db');
    const secret = join(perms, 'secret.db');
    // Writable itself, in a folder that is not: SQLite cannot make its WAL files beside it.
    const journalled = join(closed, 'journalled.db');
    for (const file of [lockedDown, secret, journalled]) new Database(file).close();
    chmodSync(journalled, 0o666);
    chmodSync(lockedDown, 0o444);
    chmodSync(secret, 0o000);
    chmodSync(closed, 0o555);
    chmodSync(dir, 0o755);
    const fresh = join(closed, 'app.db');
    const asRoot = process.getuid?.() === 0;
    const child = spawnSync(
      process.execPath,
      [
        '--conditions=keel-source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/open-child.ts', import.meta.url)),
        JSON.stringify([
          { filename: fresh },
          { filename: lockedDown },
          { filename: secret, readonly: true },
          { filename: journalled },
        ]),
      ],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, HOME: tmpdir() },
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([
      { code: 'CONNECTION', message: cannotOpen(fresh, `its folder '${closed}' is not writable (EACCES)`) },
      {
        code: 'CONNECTION',
        message: cannotOpen(lockedDown, `this process may not write the file '${lockedDown}' (EACCES)`),
      },
      { code: 'CONNECTION', message: cannotOpen(secret, `this process may not read the file '${secret}' (EACCES)`) },
      {
        code: 'CONNECTION',
        message: cannotOpen(
          journalled,
          `its folder '${closed}' is not writable (EACCES); SQLite keeps its journal there`,
        ),
      },
    ]);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('read-only', () => {
  it('reads work and writes are ACCESS_DENIED', async () => {
    const filename = join(dir, 'readonly.db');
    const writer = sqlite({ filename });
    expectOk(await writer.executeScript('CREATE TABLE t (v TEXT); INSERT INTO t VALUES (1)'));
    await writer.close();
    const reader = sqlite({ filename, readonly: true });
    expect(expectOk(await reader.query('SELECT v FROM t')).rows).toEqual([['1']]);
    const denied = expectErr(await reader.execute('INSERT INTO t VALUES (?)', ['2']), 'ACCESS_DENIED');
    expect((denied.cause as { code?: string }).code).toMatch(/^SQLITE_READONLY/);
  });
});
