import { createHash } from 'node:crypto';
import { ResultAsync, err, errAsync, ok, okAsync, type Result } from 'neverthrow';
import type { SqlDialect } from '../sql/sql-capabilities.js';
import type { Sql, SqlTransaction } from '../sql/sql-contract.js';
import type { SqlError } from '../sql/sql-errors.js';
import { MigrationError, type MigrationErrorCode } from './migration-errors.js';
import { type DialectMigration, checkMigrationList, migrationChecksum, readMigrationsFolder } from './migration-set.js';
import type {
  AppliedMigration,
  MigrationReport,
  MigrationStatus,
  Migrator,
  MigratorOptions,
} from './migration-types.js';

/** A migration whose transaction found the database busy is tried again this many times in all. */
const busyAttempts = 5;

type Direction = 'up' | 'down';

/**
 * A migrator for one set of migrations on any `Sql`. Each migration runs in its own
 * transaction together with the row that records it (version, checksum), so a crash leaves it
 * either applied and recorded or neither.
 *
 * Processes starting together apply each migration exactly once: inside the transaction the
 * record is read again before anything runs. On SQLite the transaction holds the write lock
 * from its start, so the second process waits and then finds the record. On PostgreSQL, which
 * runs transactions side by side, each transaction first takes an advisory lock on the table
 * and scope (`pg_advisory_xact_lock`), so the second process waits there instead. Should a
 * race slip through anyway, the record's primary key makes the loser fail and roll back, and
 * the migrator then finds the winner's record and carries on.
 *
 * A migration may give its SQL per dialect (`up: { sqlite, postgres }`, or
 * `3_users.postgres.up.sql` in a folder): the migrator runs the one for `sql.capabilities.dialect`.
 *
 * @example
 * const migrator = createMigrator(keel.sql, { migrations: { folder: './migrations' } });
 * const migrated = await migrator.up();
 * if (migrated.isErr()) throw migrated.error; // CHECKSUM_MISMATCH: an applied migration was edited
 * await migrator.down(3); // reverts everything above version 3, newest first
 */
export function createMigrator(sql: Sql, options: MigratorOptions): Migrator {
  const dialect = sql.capabilities.dialect;
  const { scope, table, load } = readMigratorOptions(options, dialect);
  const serialize = serializer(dialect, `${table}\u0000${scope}`);
  const q = {
    create:
      `CREATE TABLE IF NOT EXISTS ${table} (scope VARCHAR(200) NOT NULL, version BIGINT NOT NULL, name VARCHAR(500) NOT NULL, ` +
      `checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL, PRIMARY KEY (scope, version))`,
    applied: `SELECT version, name, checksum, applied_at FROM ${table} WHERE scope = ? ORDER BY version`,
    one: `SELECT checksum FROM ${table} WHERE scope = ? AND version = ?`,
    record: `INSERT INTO ${table} (scope, version, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)`,
    forget: `DELETE FROM ${table} WHERE scope = ? AND version = ?`,
  };
  const failure = (code: MigrationErrorCode, op: string, message: string, cause?: SqlError, version?: number) =>
    new MigrationError({
      code,
      message,
      adapter: sql.adapter,
      op,
      ...(cause ? { cause } : {}),
      ...(version === undefined ? {} : { version }),
    });
  const sqlFailure = (op: string, what: string) => (cause: SqlError) =>
    failure('SQL', op, `${what} failed: ${cause.message}`, cause);

  /** The set, and where the database stands against it (the table is created when missing). */
  const inspect = (op: string) =>
    load().andThen((migrations) =>
      // In a transaction behind the lock: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against itself.
      sql
        .transaction((tx) => serialize(tx).andThen(() => tx.executeScript(q.create)))
        .mapErr(sqlFailure(op, `creating the migrations table ${table}`))
        .andThen(() => sql.query(q.applied, [scope]).mapErr(sqlFailure(op, `reading ${table}`)))
        .map(({ rows }) => ({ migrations, status: statusOf(migrations, rows.map(toApplied)) })),
    );

  /** Nothing runs while the database disagrees with the set. */
  const verified = (op: string) =>
    inspect(op).andThen((found): Result<typeof found, MigrationError> => {
      const { status } = found;
      if (status.edited.length > 0) {
        const names = status.edited
          .map((v) => `${v} (${status.applied.find((a) => a.version === v)?.name})`)
          .join(', ');
        const message = `applied migration ${names} was edited after it was applied; restore it and add a new migration instead. Nothing was run.`;
        return err(failure('CHECKSUM_MISMATCH', op, message, undefined, status.edited[0]));
      }
      if (status.unknown.length > 0) {
        const message = `the database has applied version ${status.unknown.join(', ')} of '${scope}', which this set does not have (did a newer release migrate it?). Nothing was run.`;
        return err(failure('UNKNOWN_VERSION', op, message, undefined, status.unknown[0]));
      }
      return ok(found);
    });

  const recorded = (db: Pick<Sql, 'query'>, op: Direction, m: DialectMigration) =>
    db
      .query(q.one, [scope, BigInt(m.version)])
      .mapErr(sqlFailure(op, `reading ${table}`))
      .map(({ rows }) => rows[0]?.[0] as string | undefined);

  /** Applies one migration and records it; `false` when another process already had. */
  const apply = (tx: SqlTransaction, m: DialectMigration): ResultAsync<boolean, MigrationError> => {
    const checksum = migrationChecksum(m.up);
    return serialize(tx)
      .mapErr(sqlFailure('up', `locking ${table}`))
      .andThen(() => recorded(tx, 'up', m))
      .andThen((existing) => {
        if (existing !== undefined) return alreadyApplied(m, existing, checksum);
        return tx
          .executeScript(m.up)
          .mapErr((cause) =>
            failure(
              'MIGRATION_FAILED',
              'up',
              `migration ${m.version} (${m.name}) failed and was rolled back: ${cause.message}`,
              cause,
              m.version,
            ),
          )
          .andThen(() => tx.execute(q.record, [scope, BigInt(m.version), m.name, checksum, new Date().toISOString()]))
          .mapErr((e) => (e instanceof MigrationError ? e : sqlFailure('up', `recording migration ${m.version}`)(e)))
          .map(() => true);
      });
  };
  const alreadyApplied = (m: DialectMigration, existing: string, checksum: string) =>
    existing === checksum
      ? okAsync(false)
      : errAsync(
          failure(
            'CHECKSUM_MISMATCH',
            'up',
            `migration ${m.version} (${m.name}) was applied meanwhile with other contents`,
            undefined,
            m.version,
          ),
        );

  /** Reverts one migration and forgets it; `false` when another process already had. */
  const revert = (tx: SqlTransaction, m: DialectMigration): ResultAsync<boolean, MigrationError> =>
    serialize(tx)
      .mapErr(sqlFailure('down', `locking ${table}`))
      .andThen(() => recorded(tx, 'down', m))
      .andThen((existing) => {
        if (existing === undefined) return okAsync(false);
        return tx
          .executeScript(m.down as string)
          .mapErr((cause) =>
            failure(
              'MIGRATION_FAILED',
              'down',
              `reverting migration ${m.version} (${m.name}) failed and was rolled back: ${cause.message}`,
              cause,
              m.version,
            ),
          )
          .andThen(() => tx.execute(q.forget, [scope, BigInt(m.version)]))
          .mapErr((e) => (e instanceof MigrationError ? e : sqlFailure('down', `forgetting migration ${m.version}`)(e)))
          .map(() => true);
      });

  /** One migration in its own transaction: retried while busy; a lost race is found in the record. */
  const step = async (op: Direction, m: DialectMigration): Promise<Result<boolean, MigrationError>> => {
    let outcome: Result<boolean, MigrationError | SqlError> = ok(false);
    for (let attempt = 1; attempt <= busyAttempts; attempt++) {
      outcome = await sql.transaction((tx) => (op === 'up' ? apply(tx, m) : revert(tx, m)));
      if (outcome.isOk() || outcome.error.code !== 'BUSY') break;
    }
    if (outcome.isOk()) return ok(outcome.value);
    const failed =
      outcome.error instanceof MigrationError
        ? outcome.error
        : failure('SQL', op, `migration ${m.version} (${m.name}): ${outcome.error.message}`, outcome.error, m.version);
    if (failed.code === 'CHECKSUM_MISMATCH') return err(failed);
    const now = await recorded(sql, op, m);
    if (now.isOk() && (op === 'up' ? now.value === migrationChecksum(m.up) : now.value === undefined)) return ok(false);
    return err(failed);
  };

  const run = (op: Direction, steps: readonly DialectMigration[]) =>
    new ResultAsync<MigrationReport, MigrationError>(
      (async () => {
        const ran: { version: number; name: string }[] = [];
        const skipped: { version: number; name: string }[] = [];
        for (const m of steps) {
          const done = await step(op, m);
          if (done.isErr()) return err(done.error);
          (done.value ? ran : skipped).push({ version: m.version, name: m.name });
        }
        const after = await inspect(op);
        return after.map(({ status }) => ({ ran, skipped, version: status.version }));
      })(),
    );

  return Object.freeze({
    up(upOptions: { readonly to?: number } = {}) {
      const to = upOptions.to ?? Number.MAX_SAFE_INTEGER;
      checkTarget('up', to);
      return verified('up').andThen(({ status }) =>
        run(
          'up',
          status.pending.filter((m) => m.version <= to),
        ),
      );
    },
    down(to: number) {
      checkTarget('down', to);
      return verified('down').andThen(({ migrations, status }) => {
        const byVersion = new Map(migrations.map((m) => [m.version, m]));
        const targets = status.applied
          .filter((a) => a.version > to)
          .reverse()
          .map((a) => byVersion.get(a.version) as DialectMigration);
        const stuck = targets.filter((m) => m.down === undefined);
        if (stuck.length > 0) {
          const names = stuck.map((m) => `${m.version} (${m.name})`).join(', ');
          const message = `migration ${names} has no down script, so version ${to} cannot be reached. Nothing was run.`;
          return errAsync(failure('NOT_REVERSIBLE', 'down', message, undefined, stuck[0]?.version));
        }
        return run('down', targets);
      });
    },
    status: () => inspect('status').map(({ status }) => status),
  });
}

function readMigratorOptions(options: MigratorOptions, dialect: SqlDialect) {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createMigrator: options must be { migrations, scope?, table? }');
  const scope = options.scope ?? 'app';
  const table = options.table ?? 'keel_migrations';
  if (typeof scope !== 'string' || scope === '')
    throw new TypeError('createMigrator: scope must be a non-empty string');
  if (typeof table !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw new TypeError(
      `createMigrator: table must be a plain identifier (letters, digits, _), got ${JSON.stringify(table)}`,
    );
  }
  const source = options.migrations as unknown;
  const folder = (source as { folder?: unknown } | null)?.folder;
  if (!Array.isArray(source) && typeof folder !== 'string') {
    throw new TypeError(
      'createMigrator: migrations must be a list of { version, name, up, down? } or { folder: string }',
    );
  }
  // A list is code, so its mistakes throw now; a folder is read (and its mistakes returned) on each call.
  const list = Array.isArray(source) ? checkMigrationList(source, dialect) : undefined;
  const load = (): ResultAsync<DialectMigration[], MigrationError> =>
    list ? okAsync(list) : readMigrationsFolder(folder as string, dialect);
  return { scope, table, load };
}

/**
 * What makes one migrator's transactions take turns. SQLite's transactions already do (they
 * hold the write lock from the start); PostgreSQL's take a transaction-scoped advisory lock
 * whose 64-bit key is derived from the table and scope, released by commit or rollback.
 */
function serializer(
  dialect: SqlDialect,
  name: string,
): (tx: Pick<SqlTransaction, 'query'>) => ResultAsync<void, SqlError> {
  if (dialect !== 'postgres') return () => okAsync(undefined);
  const key = createHash('sha256').update(name).digest().readBigInt64BE(0);
  return (tx) => tx.query('SELECT pg_advisory_xact_lock(?)', [key]).map(() => undefined);
}

function checkTarget(op: string, to: number): void {
  if (!Number.isSafeInteger(to) || to < 0)
    throw new TypeError(`migrator.${op}: the target version must be a non-negative integer, got ${String(to)}`);
}

function statusOf(
  migrations: readonly DialectMigration[],
  applied: AppliedMigration[],
): Omit<MigrationStatus, 'pending'> & { readonly pending: readonly DialectMigration[] } {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const done = new Set(applied.map((a) => a.version));
  return {
    applied,
    pending: migrations.filter((m) => !done.has(m.version)),
    edited: applied
      .filter(
        (a) => known.has(a.version) && migrationChecksum((known.get(a.version) as DialectMigration).up) !== a.checksum,
      )
      .map((a) => a.version),
    unknown: applied.filter((a) => !known.has(a.version)).map((a) => a.version),
    version: applied.at(-1)?.version ?? 0,
  };
}

function toApplied(row: readonly unknown[]): AppliedMigration {
  const [version, name, checksum, appliedAt] = row;
  return { version: Number(version), name: String(name), checksum: String(checksum), appliedAt: String(appliedAt) };
}
