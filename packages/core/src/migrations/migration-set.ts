import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultAsync, err, ok, type Result } from 'neverthrow';
import { describeValue } from '../errors/describe-value.js';
import { type SqlDialect, sqlDialects } from '../sql/sql-capabilities.js';
import { MigrationError } from './migration-errors.js';
import type { Migration, MigrationScript } from './migration-types.js';

/** A migration with the scripts of one dialect: what the migrator runs and checksums. */
export interface DialectMigration extends Migration {
  readonly up: string;
  readonly down?: string;
}

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
 * Checks a list given in code and returns it sorted by version, with the scripts of `dialect`.
 * A malformed list, or one missing a script for the database's dialect, is a programming
 * mistake and throws a `TypeError`.
 */
export function checkMigrationList(migrations: readonly Migration[], dialect: SqlDialect): DialectMigration[] {
  if (!Array.isArray(migrations))
    throw new TypeError(`createMigrator: migrations must be an array or { folder }, got ${describeValue(migrations)}`);
  const problem = migrationListProblem(migrations, dialect);
  if (problem) throw new TypeError(`createMigrator: ${problem}`);
  return sortByVersion(migrations.map((m) => forDialect(m, dialect)));
}

/**
 * Reads a folder of migrations for one dialect: `<version>_<name>.up.sql` (or
 * `<version>_<name>.sql`) with an optional `<version>_<name>.down.sql`; a file that names a
 * dialect (`<version>_<name>.postgres.up.sql`) is used instead of the plain one on that dialect
 * and ignored on others. Files that do not end in `.sql` are ignored.
 *
 * @example
 * const migrations = (await readMigrationsFolder('./migrations', 'sqlite'))._unsafeUnwrap();
 */
export function readMigrationsFolder(
  folder: string,
  dialect: SqlDialect,
): ResultAsync<DialectMigration[], MigrationError> {
  return ResultAsync.fromPromise(readFolder(folder, dialect), (thrown) =>
    thrown instanceof MigrationError
      ? thrown
      : new MigrationError({
          code: 'READ_FAILED',
          message: `cannot read migrations folder '${folder}': ${(thrown as Error).message}`,
          op: 'read',
          cause: thrown,
        }),
  ).andThen((migrations): Result<DialectMigration[], MigrationError> => {
    const problem = migrationListProblem(migrations, dialect);
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

const fileName = new RegExp(`^(\\d+)[_-]?(.*?)(?:\\.(${sqlDialects.join('|')}))?(?:\\.(up|down))?\\.sql$`, 'i');

type Direction = 'up' | 'down';

async function readFolder(folder: string, dialect: SqlDialect): Promise<DialectMigration[]> {
  const files = (await readdir(folder)).filter((f) => f.toLowerCase().endsWith('.sql')).sort();
  // Per version and direction: the plain script and this dialect's, each from at most one file.
  const byVersion = new Map<number, { name: string; files: Map<string, string> }>();
  for (const file of files) {
    const match = fileName.exec(file);
    if (!match) {
      throw new MigrationError({
        code: 'INVALID_MIGRATIONS',
        message: `migrations folder '${folder}': '${file}' is not named <version>_<name>.up.sql, <version>_<name>.sql or <version>_<name>.down.sql (optionally <version>_<name>.<dialect>.up.sql)`,
        op: 'read',
      });
    }
    const version = Number(match[1]);
    const fileDialect = match[3]?.toLowerCase();
    const direction = (match[4]?.toLowerCase() ?? 'up') as Direction;
    const entry = byVersion.get(version) ?? { name: match[2] ?? '', files: new Map<string, string>() };
    byVersion.set(version, entry);
    const slot = `${fileDialect ?? '*'}.${direction}`;
    const twin = entry.files.get(slot);
    if (twin !== undefined) {
      throw new MigrationError({
        code: 'INVALID_MIGRATIONS',
        message: `migrations folder '${folder}': version ${version} has two ${fileDialect ? `${fileDialect} ` : ''}${direction} scripts (${twin}, ${file})`,
        op: 'read',
        version,
      });
    }
    entry.files.set(slot, file);
  }
  const read = (file: string | undefined) => (file === undefined ? undefined : readFile(join(folder, file), 'utf8'));
  const migrations: DialectMigration[] = [];
  for (const [version, { name, files: found }] of byVersion) {
    const pick = (direction: Direction) => found.get(`${dialect}.${direction}`) ?? found.get(`*.${direction}`);
    const [up, down] = await Promise.all([read(pick('up')), read(pick('down'))]);
    if (up === undefined) {
      const has = [...found.values()].join(', ');
      throw new MigrationError({
        code: 'INVALID_MIGRATIONS',
        message: `migrations folder '${folder}': version ${version} has no up script for ${dialect} (found ${has}); add ${version}_${name}.${dialect}.up.sql or a plain ${version}_${name}.up.sql`,
        op: 'read',
        version,
      });
    }
    migrations.push({ version, name, up, ...(down === undefined ? {} : { down }) });
  }
  return migrations;
}

function migrationListProblem(migrations: readonly Migration[], dialect: SqlDialect): string | undefined {
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
    const up = scriptProblem(m.up, `${at}.up (version ${m.version})`, dialect);
    if (up) return up;
    if (m.down !== undefined) {
      const down = scriptProblem(m.down, `${at}.down (version ${m.version})`, dialect, true);
      if (down) return down;
    }
  }
  return undefined;
}

function scriptProblem(script: unknown, at: string, dialect: SqlDialect, optional = false): string | undefined {
  if (typeof script === 'string')
    return script.trim() === '' && !optional ? `${at} must be a non-empty SQL string` : undefined;
  if (typeof script !== 'object' || script === null || Array.isArray(script))
    return `${at} must be a SQL string or { ${sqlDialects.map((d) => `${d}?: string`).join(', ')} }, got ${describeValue(script)}`;
  const unknown = Object.keys(script).filter((key) => !(sqlDialects as readonly string[]).includes(key));
  if (unknown.length > 0)
    return `${at} names no known dialect: ${unknown.join(', ')} (known: ${sqlDialects.join(', ')})`;
  for (const [key, text] of Object.entries(script))
    if (typeof text !== 'string' || text.trim() === '') return `${at}.${key} must be a non-empty SQL string`;
  if (!optional && (script as Record<string, unknown>)[dialect] === undefined)
    return `${at} has no script for ${dialect}, the database's dialect (it has: ${Object.keys(script).join(', ') || 'none'})`;
  return undefined;
}

function pickScript(script: MigrationScript | undefined, dialect: SqlDialect): string | undefined {
  return typeof script === 'object' ? script[dialect] : script;
}

function forDialect(m: Migration, dialect: SqlDialect): DialectMigration {
  const up = pickScript(m.up, dialect) as string;
  const down = pickScript(m.down, dialect);
  return { version: m.version, name: m.name, up, ...(down === undefined ? {} : { down }) };
}

function sortByVersion<M extends Migration>(migrations: readonly M[]): M[] {
  return [...migrations].sort((a, b) => a.version - b.version);
}
