export { createMigrator } from './create-migrator.js';
export { readMigrationsFolder, migrationChecksum } from './migration-set.js';
export { MigrationError, type MigrationErrorCode, type MigrationErrorInit } from './migration-errors.js';
export type {
  Migration,
  Migrator,
  MigratorOptions,
  MigrationStatus,
  MigrationReport,
  AppliedMigration,
} from './migration-types.js';
