import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { FieldKind } from './field-kinds.js';

type Present<V> = Exclude<V, null | undefined>;

/** The storage kinds that can hold a value of type `V` (a `string` field is `text` or `json`, …). */
export type KindFor<V> = [Present<V>] extends [string]
  ? 'text' | 'json'
  : [Present<V>] extends [number]
    ? 'integer' | 'real' | 'json'
    : [Present<V>] extends [bigint]
      ? 'bigint'
      : [Present<V>] extends [boolean]
        ? 'boolean' | 'json'
        : [Present<V>] extends [Date]
          ? 'timestamp'
          : 'json';

/** A field given in full: its kind, and its column when snake_case of its name will not do. */
export interface FieldOptions<K extends FieldKind = FieldKind> {
  readonly type: K;
  /** The column name. @default the field's name in snake_case (`dueAt` → `due_at`) */
  readonly column?: string;
  /** The field may be `null` (the column is nullable; `NULL` reads back as `null`). */
  readonly nullable?: boolean;
  /** The field may be left out (the column is nullable; `NULL` reads back as a missing field). */
  readonly optional?: boolean;
}

/**
 * How one field is stored. The type checker holds it to the entity: a `string` field is
 * `'text'` (or `'json'`), a field that may be `null` must say `nullable: true`, one that may be
 * missing `optional: true`.
 */
export type FieldSpec<V> = null extends V
  ? FieldOptions<KindFor<V>> & { readonly nullable: true }
  : undefined extends V
    ? FieldOptions<KindFor<V>> & { readonly optional: true }
    : KindFor<V> | (FieldOptions<KindFor<V>> & { readonly nullable?: false; readonly optional?: false });

/** One `FieldSpec` for every field of the entity. */
export type FieldSpecs<E> = { readonly [K in keyof E]-?: FieldSpec<E[K]> };

/** The fields that can be the id: text, integer or bigint. */
export type IdField<E> = {
  [K in keyof E]-?: Present<E[K]> extends string | number | bigint ? K : never;
}[keyof E] &
  string;

/** A Standard Schema whose output is an object (valibot's `v.object`, zod's `z.object`, …). */
export type EntitySchema = StandardSchemaV1<unknown, object>;

/** The entity type of a schema: its output. */
export type EntityOf<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** What `defineRepository` takes. */
export interface RepositoryDefinitionInput<S extends EntitySchema, K extends IdField<EntityOf<S>>> {
  /** The entity table: lower-case letters, digits and `_`. */
  readonly table: string;
  /** The entity's name in audit records and events (`TaskCreated`). @default the table name */
  readonly entity?: string;
  /** Validates every entity written; its output type is the entity type. */
  readonly schema: S;
  /** The field that identifies an entity (within its tenant, when tenant-scoped). */
  readonly id: K;
  /** Every field of the entity with its storage kind; Standard Schema cannot be introspected, so it is said here. */
  readonly fields: FieldSpecs<EntityOf<S>>;
  /**
   * Makes the id when `create` is given none. @default a random UUID for a `text` id; other ids
   * must be given
   */
  readonly generateId?: () => EntityOf<S>[K];
  /** Field sets whose values must be unique (per tenant; among entities not soft-deleted). */
  readonly unique?: readonly (readonly (keyof EntityOf<S> & string)[])[];
  /** Field sets to index (for the filters and orders the app uses most). */
  readonly indexes?: readonly (readonly (keyof EntityOf<S> & string)[])[];
  /** Every read is limited to, and every write stamped with, `currentContext().tenantId`. @default false */
  readonly tenantScoped?: boolean;
  /** `delete` sets `deletedAt`/`deletedBy`; reads skip deleted entities unless `withDeleted`. @default false */
  readonly softDelete?: boolean;
  /** Every change writes an audit record in its transaction. @default false */
  readonly audit?: boolean;
  /** Every version of an entity is kept as an immutable snapshot. @default false */
  readonly versions?: boolean;
}

/** One field as stored: its name in the entity, its column, its kind. */
export interface FieldLayout {
  readonly name: string;
  readonly column: string;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  readonly optional: boolean;
  /** Kept by the repository (`version`, `createdAt`, …), not by the schema. */
  readonly meta: boolean;
}

/**
 * A checked, frozen repository definition: what `createRepository`, `repositoryMigration` and
 * code generators read. `E` is the entity type, `K` its id field, `I` what `create` accepts.
 */
export interface RepositoryDefinition<E extends object = object, K extends string = string, I = E> {
  readonly table: string;
  readonly entity: string;
  readonly schema: StandardSchemaV1<I, E>;
  readonly id: K;
  /** The entity's own fields, the id first, in column order. */
  readonly fields: readonly FieldLayout[];
  /** The fields the repository keeps: `version`, `createdAt`, `updatedAt`, and `deletedAt`/`deletedBy` with soft delete. */
  readonly metaFields: readonly FieldLayout[];
  readonly unique: readonly (readonly string[])[];
  readonly indexes: readonly (readonly string[])[];
  readonly tenantScoped: boolean;
  readonly softDelete: boolean;
  readonly audit: boolean;
  readonly versions: boolean;
  readonly generateId: (() => unknown) | undefined;
}
