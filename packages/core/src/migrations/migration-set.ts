import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultAsync, err, ok, type Result } from 'neverthrow';
import { describeValue } from '../errors/describe-value.js';
import { MigrationError } from './migration-errors.js';
import type { Migration } from './migration-types.js';

/**
 * The checksum recorded for a migration: SHA-256 of its `up` script with line endings made
 * `\n` and trailing white space dropped, so a checkout with other line endings is not an edit.
 *
 * @example
 * migrationChecksum('CREATE TABLE t (id INTEGER PRIMARY KEY);\n') === migrationChecksum('CREATE TABLE t (id INTEGER PRIMARY KEY);\r\n');
 */
export function migrationChecksum(up: string): string {
  return createHash('sha256').update(up.replace(/\r\n?/g, '\n').trimEnd()).digest('hex');
}

/**
 * Checks a list given in code and returns it sorted by version. A malformed list is a
 * programming mistake and throws a `TypeError`.
 */
export function checkMigrationList(migrations: readonly Migration[]): Migration[] {
  if (!Array.isArray(migrations))
    throw new TypeError(`createMigrator: migrations must be an array or { folder }, got ${describeValue(migrations)}`);
  const problem = migrationListProblem(migrations);
  if (problem) throw new TypeError(`createMigrator: ${problem}`);
  return sortByVersion(migrations);
}

/**
 * Reads a folder of migrations: `<version>_<name>.up.sql` (or `<version>_<name>.sql`) with an
 * optional `<version>_<name>.down.sql`. Files that do not end in `.sql` are ignored.
 *
 * @example
 * const migrations = (await readMigrationsFolder('./migrations'))._unsafeUnwrap();
 */
export function readMigrationsFolder(folder: string): ResultAsync<Migration[], MigrationError> {
  return ResultAsync.fromPromise(readFolder(folder), (thrown) =>
    thrown instanceof MigrationError
      ? thrown
      : new MigrationError({
          code: 'READ_FAILED',
          message: `cannot read migrations folder '${folder}': ${(thrown as Error).message}`,
          op: 'read',
          cause: thrown,
        }),
  ).andThen((migrations): Result<Migration[], MigrationError> => {
    const problem = migrationListProblem(migrations);
    if (problem)
      return err(
        new MigrationError({
          code: 'INVALID_MIGRATIONS',
          message: `migrations folder '${folder}': ${problem}`,
          op: 'read',
        }),
      );
    return ok(sortByVersion(migrations));
  });
}

const fileName = /^(\d+)[_-]?(.*?)(?:\.(up|down))?\.sql$/i;

async function readFolder(folder: string): Promise<Migration[]> {
  const files = (await readdir(folder)).filter((f) => f.toLowerCase().endsWith('.sql')).sort();
  const byVersion = new Map<number, { name: string; up?: string; down?: string; files: string[] }>();
  for (const file of files) {
    const match = fileName.exec(file);
    if (!match) {
      throw new MigrationError({
        code: 'INVALID_MIGRATIONS',
        message: `migrations folder '${folder}': '${file}' is not named <version>_<name>.up.sql, <version>_<name>.sql or <version>_<name>.down.sql`,
        op: 'read',
      });
    }
    const version = Number(match[1]);
    const direction = (match[3]?.toLowerCase() ?? 'up') as 'up' | 'down';
    const entry = byVersion.get(version) ?? { name: match[2] ?? '', files: [] };
    byVersion.set(version, entry);
    entry.files.push(file);
    if (entry[direction] !== undefined) {
      throw new MigrationError({
        code: 'INVALID_MIGRATIONS',
        message: `migrations folder '${folder}': version ${version} has two ${direction} scripts (${entry.files.join(', ')})`,
        op: 'read',
        version,
      });
    }
    entry[direction] = await readFile(join(folder, file), 'utf8');
  }
  return [...byVersion].map(([version, { name, up, down }]) => {
    if (up === undefined) {
      throw new MigrationError({
        code: 'INVALID_MIGRATIONS',
        message: `migrations folder '${folder}': version ${version} has a down script but no up script`,
        op: 'read',
        version,
      });
    }
    return { version, name, up, ...(down === undefined ? {} : { down }) };
  });
}

function migrationListProblem(migrations: readonly Migration[]): string | undefined {
  const seen = new Set<number>();
  for (const [i, m] of migrations.entries()) {
    const at = `migrations[${i}]`;
    if (typeof m !== 'object' || m === null)
      return `${at} must be { version, name, up, down? }, got ${describeValue(m)}`;
    if (!Number.isSafeInteger(m.version) || m.version < 1)
      return `${at}.version must be a positive integer, got ${describeValue(m.version)}`;
    if (seen.has(m.version)) return `version ${m.version} appears twice`;
    seen.add(m.version);
    if (typeof m.name !== 'string') return `${at}.name must be a string, got ${describeValue(m.name)}`;
    if (typeof m.up !== 'string' || m.up.trim() === '')
      return `${at}.up (version ${m.version}) must be a non-empty SQL string`;
    if (m.down !== undefined && typeof m.down !== 'string')
      return `${at}.down (version ${m.version}) must be a SQL string when given`;
  }
  return undefined;
}

function sortByVersion(migrations: readonly Migration[]): Migration[] {
  return [...migrations].sort((a, b) => a.version - b.version);
}
