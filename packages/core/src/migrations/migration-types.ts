import type { ResultAsync } from 'neverthrow';
import type { SqlDialect } from '../sql/sql-capabilities.js';
import type { MigrationError } from './migration-errors.js';

/**
 * The SQL of one direction of a migration: one script for every database, or one per dialect
 * (`{ sqlite: '…', postgres: '…' }`) where their SQL differs. The migrator runs the script for
 * `sql.capabilities.dialect`, and a migration without one for it is refused before anything runs.
 */
export type MigrationScript = string | { readonly [D in SqlDialect]?: string };

/** One step of a schema's history. */
export interface Migration {
  /** Orders the migrations; a positive integer, unique within the set (`1`, `2`, or `20250101120000`). */
  readonly version: number;
  /** For people: shown in reports and errors. */
  readonly name: string;
  /** The SQL `up` runs, as one script (statements separated by `;`, no `BEGIN`/`COMMIT`). */
  readonly up: MigrationScript;
  /** The SQL that undoes `up`, run by `down`; without it the migration cannot be reverted. */
  readonly down?: MigrationScript;
}

/** Options of `createMigrator`. */
export interface MigratorOptions {
  /**
   * The migrations: a list, or a folder of `<version>_<name>.up.sql` files (or `<version>_<name>.sql`),
   * each with an optional `<version>_<name>.down.sql`. A file for one dialect only names it before
   * the direction (`3_users.postgres.up.sql`) and wins over the plain file on that dialect. Other
   * files in the folder are ignored.
   */
  readonly migrations: readonly Migration[] | { readonly folder: string };
  /**
   * Keeps this set's versions apart from other sets recorded in the same table, so that a
   * library (`keel-auth`) and the app (`app`) can each have a version 1.
   * @default 'app'
   */
  readonly scope?: string;
  /** The table that records applied migrations; a plain identifier. @default 'keel_migrations' */
  readonly table?: string;
}

/** A migration the database has recorded as applied. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  /** SHA-256 of the `up` script as applied on this dialect (line endings and trailing white space normalised). */
  readonly checksum: string;
  /** ISO 8601, when it was applied. */
  readonly appliedAt: string;
}

/** Where the database stands against the set. */
export interface MigrationStatus {
  readonly applied: readonly AppliedMigration[];
  readonly pending: readonly Migration[];
  /** Applied versions whose `up` was edited since (start-up refuses while there are any). */
  readonly edited: readonly number[];
  /** Applied versions the set does not have (start-up refuses while there are any). */
  readonly unknown: readonly number[];
  /** The highest applied version; 0 when none. */
  readonly version: number;
}

/** What one `up` or `down` did. */
export interface MigrationReport {
  /** The migrations this call applied (`up`) or reverted (`down`), in the order it ran them. */
  readonly ran: readonly { readonly version: number; readonly name: string }[];
  /** Migrations that were pending when this call started but that another process applied (or reverted) first. */
  readonly skipped: readonly { readonly version: number; readonly name: string }[];
  /** The highest applied version afterwards; 0 when none. */
  readonly version: number;
}

/** Applies and reverts one set of migrations on one database. */
export interface Migrator {
  /**
   * Applies every pending migration (up to `to`, when given) in version order, each in its
   * own transaction together with its record. Refuses, running nothing, when an applied
   * migration was edited or is unknown. Safe to run from several processes at once: each
   * migration is applied exactly once.
   */
  up(options?: { readonly to?: number }): ResultAsync<MigrationReport, MigrationError>;
  /** Reverts applied migrations above `to` (0 reverts all), newest first, each in its own transaction. */
  down(to: number): ResultAsync<MigrationReport, MigrationError>;
  /** Reads where the database stands; runs no migration (it creates the empty migrations table when missing). */
  status(): ResultAsync<MigrationStatus, MigrationError>;
}
