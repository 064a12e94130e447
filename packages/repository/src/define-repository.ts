import { randomUUID } from 'node:crypto';
import type {
  EntityOf,
  EntitySchema,
  FieldLayout,
  FieldOptions,
  IdField,
  RepositoryDefinition,
  RepositoryDefinitionInput,
} from './definition-types.js';
import { type FieldKind, fieldKinds } from './field-kinds.js';

/** Names the repository keeps on every entity it returns; an entity's own fields cannot use them. */
export const reservedFields = ['version', 'createdAt', 'updatedAt', 'deletedAt', 'deletedBy', 'tenantId'] as const;

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Declares a repository: its table, the Standard Schema its entities pass, and how each field
 * is stored. Pure data, checked once (a mistake throws a `TypeError` naming it): give it to
 * `createRepository(sql, definition)` and to `repositoryMigration(definition)` for its table.
 *
 * @example
 * const Task = v.object({ id: v.string(), title: v.pipe(v.string(), v.minLength(1)), done: v.boolean() });
 * export const tasks = defineRepository({
 *   table: 'tasks',
 *   entity: 'Task',
 *   schema: Task,
 *   id: 'id',
 *   fields: { id: 'text', title: 'text', done: 'boolean' },
 *   tenantScoped: true,
 *   audit: true,
 * });
 */
export function defineRepository<S extends EntitySchema, K extends IdField<EntityOf<S>>>(
  input: RepositoryDefinitionInput<S, K>,
): RepositoryDefinition<EntityOf<S>, K, StandardInput<S>> {
  const where = `defineRepository(${JSON.stringify((input as { table?: unknown })?.table)})`;
  const fail = (problem: string): never => {
    throw new TypeError(`${where}: ${problem}`);
  };
  if (typeof input !== 'object' || input === null) fail('expected { table, schema, id, fields, … }');
  if (typeof input.table !== 'string' || !identifier.test(input.table))
    fail('table must be lower-case letters, digits and _ (at most 63), starting with a letter or _');
  const standard = (input.schema as { '~standard'?: { validate?: unknown } } | undefined)?.['~standard'];
  if (typeof standard?.validate !== 'function') fail('schema must be a Standard Schema (valibot, zod, arktype, …)');
  const entity = input.entity ?? input.table;
  if (typeof entity !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entity))
    fail('entity must be a name of letters, digits and _ (it starts event types: TaskCreated)');
  if (typeof input.fields !== 'object' || input.fields === null)
    fail('fields must name every field with its storage kind');

  const own = Object.entries(input.fields as Record<string, unknown>).map(([name, spec]) =>
    fieldLayout(name, spec, fail),
  );
  const id = own.find((f) => f.name === input.id);
  if (!id) fail(`id ${JSON.stringify(input.id)} is not one of the fields (${own.map((f) => f.name).join(', ')})`);
  const idField = id as FieldLayout;
  if (!['text', 'integer', 'bigint'].includes(idField.kind) || idField.nullable || idField.optional)
    fail(`the id field ${idField.name} must be text, integer or bigint, and neither nullable nor optional`);
  const softDelete = input.softDelete === true;
  const metaFields = metaLayout(softDelete);
  for (const f of own) {
    if ((reservedFields as readonly string[]).includes(f.name))
      fail(`field ${f.name} is kept by the repository (${reservedFields.join(', ')}); rename it`);
    const clash = [...own, ...metaFields, { name: 'tenant', column: 'tenant_id' }].find(
      (g) => g !== f && g.column === f.column,
    );
    if (clash) fail(`fields ${f.name} and ${clash.name} both map to column ${f.column}`);
  }
  const sets = (key: 'unique' | 'indexes') =>
    (input[key] ?? []).map((set, i) => {
      if (!Array.isArray(set) || set.length === 0) fail(`${key}[${i}] must be a non-empty list of field names`);
      for (const name of set) {
        const field = own.find((f) => f.name === name);
        if (!field) fail(`${key}[${i}] names ${JSON.stringify(name)}, which is not a field`);
        if (field?.kind === 'json') fail(`${key}[${i}] names ${name}, a json field, which cannot be indexed`);
      }
      return Object.freeze([...set]);
    });
  if (input.generateId !== undefined && typeof input.generateId !== 'function') fail('generateId must be a function');
  for (const flag of ['tenantScoped', 'softDelete', 'audit', 'versions'] as const)
    if (input[flag] !== undefined && typeof input[flag] !== 'boolean') fail(`${flag} must be true or false`);

  return Object.freeze({
    table: input.table,
    entity,
    schema: input.schema as unknown as RepositoryDefinition<EntityOf<S>, K, StandardInput<S>>['schema'],
    id: input.id,
    // The id first: rows, snapshots and DDL list it first.
    fields: Object.freeze([idField, ...own.filter((f) => f !== idField)]),
    metaFields,
    unique: Object.freeze(sets('unique')),
    indexes: Object.freeze(sets('indexes')),
    tenantScoped: input.tenantScoped === true,
    softDelete,
    audit: input.audit === true,
    versions: input.versions === true,
    generateId: input.generateId ?? (idField.kind === 'text' ? randomUUID : undefined),
  });
}

type StandardInput<S extends EntitySchema> = NonNullable<S['~standard']['types']>['input'];

/** `dueAt` → `due_at`, `userID` → `user_id`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function fieldLayout(name: string, spec: unknown, fail: (problem: string) => never): FieldLayout {
  const options: FieldOptions = typeof spec === 'string' ? { type: spec as FieldKind } : ((spec ?? {}) as FieldOptions);
  if (!fieldKinds.includes(options.type))
    fail(`fields.${name} must be one of ${fieldKinds.join(', ')} (or { type, column?, nullable?, optional? })`);
  const column = options.column ?? snakeCase(name);
  if (!identifier.test(column))
    fail(`fields.${name}: column ${JSON.stringify(column)} must be lower-case letters, digits and _ (give column)`);
  return Object.freeze({
    name,
    column,
    kind: options.type,
    nullable: options.nullable === true,
    optional: options.optional === true,
    meta: false,
  });
}

function metaLayout(softDelete: boolean): readonly FieldLayout[] {
  const meta = (name: string, column: string, kind: FieldKind, nullable = false): FieldLayout =>
    Object.freeze({ name, column, kind, nullable, optional: nullable, meta: true });
  return Object.freeze([
    meta('version', 'version', 'integer'),
    meta('createdAt', 'created_at', 'timestamp'),
    meta('updatedAt', 'updated_at', 'timestamp'),
    ...(softDelete
      ? [meta('deletedAt', 'deleted_at', 'timestamp', true), meta('deletedBy', 'deleted_by', 'text', true)]
      : []),
  ]);
}
