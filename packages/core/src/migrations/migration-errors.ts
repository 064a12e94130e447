import { KeelError, type KeelErrorInit } from '../errors/keel-error.js';

/** Why migrating failed. Codes are stable; messages are not. */
export type MigrationErrorCode =
  /** The folder holds a file that is not a migration, or two migrations share a version. */
  | 'INVALID_MIGRATIONS'
  /** The migrations folder could not be read. */
  | 'READ_FAILED'
  /** A migration the database has applied was edited since; nothing was run. */
  | 'CHECKSUM_MISMATCH'
  /** The database has applied a version this set does not have (a newer app migrated it); nothing was run. */
  | 'UNKNOWN_VERSION'
  /** `down` would need a migration that has no `down` script; nothing was run. */
  | 'NOT_REVERSIBLE'
  /** A migration's own SQL failed; its transaction was rolled back (the `SqlError` is the cause). */
  | 'MIGRATION_FAILED'
  /** The migrations table could not be created, read or written (the `SqlError` is the cause). */
  | 'SQL';

export interface MigrationErrorInit extends KeelErrorInit<MigrationErrorCode> {
  /** The migration concerned, when there is one. */
  readonly version?: number;
}

/**
 * The error of every migrator operation.
 *
 * @example
 * const migrated = await createMigrator(keel.sql, { migrations: { folder: './migrations' } }).up();
 * if (migrated.isErr() && migrated.error.code === 'CHECKSUM_MISMATCH') console.error(migrated.error.message);
 */
export class MigrationError extends KeelError<MigrationErrorCode> {
  override readonly name = 'MigrationError';
  readonly version?: number;

  constructor(init: MigrationErrorInit) {
    super(init);
    if (init.version !== undefined) this.version = init.version;
  }
}
