import { type Result, type SqlValue, currentContext, err, ok } from '@keel/core';
import { reservedFields } from './define-repository.js';
import { type ChangePlan, type Planned, changeEntity, insertEntity } from './entity-change.js';
import { type RepositoryContext, keyParams } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';
import type { AuditOperation, OperationOptions, WriteOptions } from './repository-types.js';
import { changedLayouts, encodeFields } from './row-codec.js';
import { formatTimestamp } from './iso-timestamp.js';
import { type Program, write } from './operation-steps.js';
import { idParam, tenantOf } from './unit-of-work.js';
import { type Checked, validated, validateEntity, waited } from './validate-entity.js';

type Entity = Record<string, unknown>;

/** `create`: validate (outside any transaction), then insert with its trail. */
export function* createEntity(
  context: RepositoryContext,
  input: unknown,
  options: OperationOptions<unknown> | undefined,
): Program<Entity> {
  const { definition, fail } = context;
  const op = 'create';
  const tenant = tenantOf(context, op);
  if (tenant.isErr()) return err(tenant.error);
  if (typeof input !== 'object' || input === null)
    return err(fail('VALIDATION', op, `expected an entity object, got ${input === null ? 'null' : typeof input}`));
  let value = input as Entity;
  if (value[definition.id] === undefined && definition.generateId)
    value = { ...value, [definition.id]: definition.generateId() };
  const valid = yield* validated(definition, fail, op, value);
  if (valid.isErr()) return err(valid.error);
  const entity = valid.value;
  const at = new Date(context.clock.now());
  const iso = formatTimestamp(at);
  const params: SqlValue[] = [
    ...(definition.tenantScoped ? [tenant.value] : []),
    ...encodeFields(definition.fields, entity),
    1,
    iso,
    iso,
  ];
  const stored = { ...defined(entity), version: 1, createdAt: at, updatedAt: at };
  return yield* write(op, options?.tx, context.trailed, (inTransaction) =>
    insertEntity(context, inTransaction, tenant.value, params, stored),
  );
}

/** `update` and `revert`: the patch over the stored entity, validated, written if anything changed. */
export function* updateEntity(
  context: RepositoryContext,
  op: string,
  operation: AuditOperation,
  id: unknown,
  patch: unknown,
  options: WriteOptions<unknown> | undefined,
): Program<Entity> {
  const { definition, fail } = context;
  const start = begin(context, op, id, options);
  if (start.isErr()) return err(start.error);
  const fields = patchFields(context, op, patch);
  if (fields.isErr()) return err(fields.error);
  const newId = fields.value[definition.id];
  if (newId !== undefined && newId !== id)
    return err(fail('VALIDATION', op, `${definition.id} (the id) cannot change`, { field: definition.id }));
  const { key, expectedVersion } = start.value;
  const plan: ChangePlan = {
    key,
    id,
    expectedVersion,
    op,
    operation,
    withDeleted: false,
    plan(current, version, at) {
      const merged: Entity = {};
      for (const f of definition.fields) merged[f.name] = current[f.name];
      Object.assign(merged, fields.value);
      // A synchronous schema (the usual case) plans at once, with no program to step through:
      // update is a hot path, and each generator is an allocation and a hop.
      const outcome = validateEntity(definition, fail, op, merged);
      const then = (valid: Checked) => next(valid, current, version, at);
      return outcome instanceof Promise ? waited(op, outcome, then) : then(outcome);
    },
  };
  /** The statement of an update whose merged entity was validated. */
  const next = (valid: Checked, current: Entity, version: number, at: Date) => {
    if (valid.isErr()) return err(valid.error);
    const changed = changedLayouts(definition.fields, current, valid.value);
    if (changed.length === 0) return ok(undefined);
    const params = encodeFields(changed, valid.value);
    params.push(version + 1, formatTimestamp(at));
    for (const value of keyParams(context, key.tenant, key.id)) params.push(value);
    params.push(version);
    return ok<Planned>({
      statement: context.statements.update(changed),
      params,
      // A live entity's fields are all the schema's, and the repository's are set here.
      after: withMeta(defined(valid.value), version + 1, current.createdAt, at),
    });
  };
  return yield* write(op, options?.tx, context.trailed, (inTransaction) => changeEntity(context, inTransaction, plan));
}

/** `delete`: marks the entity deleted (soft delete) or removes its row. */
export function deleteEntity(context: RepositoryContext, id: unknown, options: WriteOptions<unknown> | undefined) {
  const soft = context.definition.softDelete;
  return changeExisting(context, 'delete', false, id, options, (key) => (current, version, at) => {
    const where = [...keyParams(context, key.tenant, key.id), version];
    if (!soft) return ok({ statement: context.statements.remove, params: where, after: undefined });
    const actor = currentContext().actor;
    const iso = formatTimestamp(at);
    return ok({
      statement: context.statements.softDelete,
      params: [iso, actor ?? null, version + 1, iso, ...where],
      after: {
        ...current,
        version: version + 1,
        updatedAt: at,
        deletedAt: at,
        ...(actor ? { deletedBy: actor } : {}),
      },
    });
  });
}

/** `restore`: clears `deletedAt`/`deletedBy`; an entity that is not deleted is returned as it is. */
export function restoreEntity(context: RepositoryContext, id: unknown, options: WriteOptions<unknown> | undefined) {
  return changeExisting(context, 'restore', true, id, options, (key) => (current, version, at) => {
    if (current.deletedAt === undefined) return ok(undefined);
    const { deletedAt: _at, deletedBy: _by, ...rest } = current;
    return ok({
      statement: context.statements.restore,
      params: [version + 1, formatTimestamp(at), ...keyParams(context, key.tenant, key.id), version],
      after: { ...rest, version: version + 1, updatedAt: at },
    });
  });
}

/** `purge`: removes the row for good, deleted or not, and its snapshots. */
export function* purgeEntity(
  context: RepositoryContext,
  id: unknown,
  options: WriteOptions<unknown> | undefined,
): Program<void> {
  const purged = yield* changeExisting(
    context,
    'purge',
    true,
    id,
    options,
    (key) => (_current, version) =>
      ok({
        statement: context.statements.remove,
        params: [...keyParams(context, key.tenant, key.id), version],
        after: undefined,
      }),
  );
  return purged.map(() => undefined);
}

/**
 * One change of a stored entity (`delete`, `restore`, `purge`): the key and expected version
 * checked, then `plan` run on the row as it is, in the write's transaction with its trail. A delete
 * for good returns the entity as it was; the trail still needs the transaction.
 */
function* changeExisting(
  context: RepositoryContext,
  op: 'delete' | 'restore' | 'purge',
  withDeleted: boolean,
  id: unknown,
  options: WriteOptions<unknown> | undefined,
  plan: (key: ChangePlan['key']) => ChangePlan['plan'],
): Program<Entity> {
  const start = begin(context, op, id, options);
  if (start.isErr()) return err(start.error);
  const change: ChangePlan = { ...start.value, op, operation: op, withDeleted, plan: plan(start.value.key) };
  return yield* write(op, options?.tx, context.trailed, (inTransaction) =>
    changeEntity(context, inTransaction, change),
  );
}

/** The tenant and key of a write, and its expected version, checked. */
function begin(
  context: RepositoryContext,
  op: string,
  id: unknown,
  options: WriteOptions<unknown> | undefined,
): Result<Pick<ChangePlan, 'key' | 'id' | 'expectedVersion'>, RepositoryError> {
  const tenant = tenantOf(context, op);
  if (tenant.isErr()) return err(tenant.error);
  const param = idParam(context, op, id);
  if (param.isErr()) return err(param.error);
  const expectedVersion = options?.expectedVersion;
  if (expectedVersion !== undefined && (!Number.isSafeInteger(expectedVersion) || expectedVersion < 1))
    return err(
      context.fail('VALIDATION', op, `expectedVersion must be a positive integer, got ${String(expectedVersion)}`, {
        field: 'expectedVersion',
      }),
    );
  return ok({ key: { tenant: tenant.value, id: param.value }, id, expectedVersion });
}

/** The entity's fields in a patch; the repository's own (`version`, …) are ignored, anything else is `UNKNOWN_FIELD`. */
function patchFields(context: RepositoryContext, op: string, patch: unknown): Result<Entity, RepositoryError> {
  const { definition, fail } = context;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return err(fail('VALIDATION', op, `expected a patch object, got ${patch === null ? 'null' : typeof patch}`));
  const fields: Entity = {};
  for (const name in patch) {
    if (!Object.hasOwn(patch, name)) continue;
    if (context.fieldsByName.has(name)) fields[name] = (patch as Entity)[name];
    else if (!(reservedFields as readonly string[]).includes(name))
      return err(fail('UNKNOWN_FIELD', op, `${name} is not a field of ${definition.entity}`, { field: name }));
  }
  return ok(fields);
}

/** Sets the repository's fields of a live entity. */
function withMeta(entity: Entity, version: number, createdAt: unknown, updatedAt: Date): Entity {
  entity.version = version;
  entity.createdAt = createdAt;
  entity.updatedAt = updatedAt;
  return entity;
}

/** The entity without fields set to `undefined`: as it reads back (an empty optional field is missing). */
function defined(entity: Entity): Entity {
  const out: Entity = {};
  for (const key in entity) if (entity[key] !== undefined) out[key] = entity[key];
  return out;
}
