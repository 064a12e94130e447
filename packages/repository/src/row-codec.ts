import type { SqlValue } from '@keel/core';
import type { FieldLayout, RepositoryDefinition } from './definition-types.js';
import { type JsonValue, fromJson, fromSql, jsonEqual, toJson, toSql } from './field-kinds.js';
import type { FieldChanges } from './repository-types.js';

type Definition = RepositoryDefinition<object, string, unknown>;
type Entity = Record<string, unknown>;

/** Every column the repository reads, in row order: the entity's fields, then its own. */
export function allFields(definition: Definition): readonly FieldLayout[] {
  return [...definition.fields, ...definition.metaFields];
}

/**
 * A row (in `allFields` order) as the entity it stores. A `NULL` reads as `null` in a nullable
 * field and as a missing field in an optional one (and in `deletedAt`/`deletedBy`). Throws a
 * `TypeError` naming the column when a value does not fit its kind.
 */
export function decodeRow(fields: readonly FieldLayout[], row: readonly SqlValue[]): Entity {
  const entity: Entity = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as FieldLayout;
    const value = row[i] as SqlValue;
    if (value === null) {
      if (f.nullable && !f.meta) entity[f.name] = null;
      else if (!f.optional) throw new TypeError(`column ${f.column} is NULL, which field ${f.name} cannot be`);
      continue;
    }
    try {
      entity[f.name] = fromSql(f.kind, value);
    } catch (thrown) {
      throw new TypeError(`column ${f.column}: ${(thrown as Error).message}`);
    }
  }
  return entity;
}

/** The statement parameters of an entity's own fields (their values were checked). */
export function encodeFields(fields: readonly FieldLayout[], entity: Entity): SqlValue[] {
  const values: SqlValue[] = [];
  for (const f of fields) {
    const value = entity[f.name];
    values.push(value === undefined || value === null ? null : toSql(f.kind, value));
  }
  return values;
}

/** An entity in JSON form (snapshots, events): every field the definition has, Dates as ISO text. */
export function entityJson(fields: readonly FieldLayout[], entity: Entity): { [field: string]: JsonValue } {
  const json: { [field: string]: JsonValue } = {};
  for (const f of fields) if (entity[f.name] !== undefined) json[f.name] = toJson(f.kind, entity[f.name]);
  return json;
}

/** The inverse of `entityJson`; throws a `TypeError` on a value its field cannot read. */
export function entityFromJson(fields: readonly FieldLayout[], json: { [field: string]: JsonValue }): Entity {
  const entity: Entity = {};
  for (const f of fields) {
    const value = json[f.name];
    if (value === undefined || (value === null && (f.meta || f.optional))) continue;
    entity[f.name] = fromJson(f.kind, value);
  }
  return entity;
}

/** The fields whose values differ (those `changedFields` names), without building their changes. */
export function changedLayouts(fields: readonly FieldLayout[], before: Entity, after: Entity): FieldLayout[] {
  const changed: FieldLayout[] = [];
  for (const f of fields) {
    const old = before[f.name];
    const next = after[f.name];
    if (old !== next && !jsonEqual(toJson(f.kind, old), toJson(f.kind, next))) changed.push(f);
  }
  return changed;
}

/** The fields whose values differ, old → new (JSON form). */
export function changedFields(
  fields: readonly FieldLayout[],
  before: Entity | undefined,
  after: Entity | undefined,
): FieldChanges {
  const changes: { [field: string]: { old: JsonValue; new: JsonValue } } = {};
  for (const f of fields) {
    const old = before === undefined ? null : toJson(f.kind, before[f.name]);
    const next = after === undefined ? null : toJson(f.kind, after[f.name]);
    if (!jsonEqual(old, next)) changes[f.name] = { old, new: next };
  }
  return changes;
}
