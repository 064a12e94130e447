// Declaring a repository and its table
export { defineRepository, reservedFields } from './define-repository.js';
export type {
  EntityOf,
  EntitySchema,
  FieldLayout,
  FieldOptions,
  FieldSpec,
  FieldSpecs,
  IdField,
  KindFor,
  RepositoryDefinition,
  RepositoryDefinitionInput,
} from './definition-types.js';
export type { FieldKind, JsonValue } from './field-kinds.js';
export { repositoryMigration } from './repository-ddl.js';
export { createRepositoryMigrator } from './repository-tables.js';

// Using it
export { createRepository } from './create-repository.js';
export {
  repositoryOptions,
  type RepositoryOptions,
  type RepositoryOptionsSchema,
  type RepositoryEvent,
  type RepositoryEventData,
  type RepositoryEventPublisher,
} from './repository-options.js';
export type {
  Repository,
  RepositorySync,
  Stored,
  EntityMeta,
  CreateInput,
  OperationOptions,
  ReadOptions,
  WriteOptions,
  FindManyOptions,
  FieldFilter,
  Where,
  OrderKey,
  Page,
  FieldChanges,
  EntityVersion,
  AuditOperation,
  AuditRecord,
  AuditQuery,
} from './repository-types.js';
export { createAuditLog, type AuditLog, type AuditLogQuery } from './audit-log.js';
export {
  RepositoryError,
  type RepositoryErrorCode,
  type RepositoryErrorInit,
  type RepositoryIssue,
} from './repository-errors.js';
