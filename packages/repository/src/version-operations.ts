import { type SqlValue, err, ok } from '@keel/core';
import type { JsonValue } from './field-kinds.js';
import type { RepositoryContext } from './repository-context.js';
import { quote } from './repository-ddl.js';
import type {
  AuditOperation,
  EntityVersion,
  FieldChanges,
  OperationOptions,
  WriteOptions,
} from './repository-types.js';
import { changedFields, entityFromJson } from './row-codec.js';
import { type Program, query, read } from './operation-steps.js';
import { idParam, sqlFailure, tenantOf } from './unit-of-work.js';
import { updateEntity } from './write-operations.js';

type Entity = Record<string, unknown>;
type Version = EntityVersion<Entity>;

/** `version(id, n)`: one snapshot, or `NOT_FOUND`. */
export function* getVersion(
  context: RepositoryContext,
  id: unknown,
  version: number,
  options: OperationOptions<unknown> | undefined,
): Program<Version> {
  const op = 'version';
  const found = yield* snapshots(context, op, id, options, version);
  if (found.isErr()) return err(found.error);
  const [one] = found.value;
  return one
    ? ok(one)
    : err(context.fail('NOT_FOUND', op, `${context.definition.entity} ${String(id)} has no version ${version}`));
}

/** `versions(id)`: every snapshot, oldest first (none for an id that never existed). */
export function listVersions(context: RepositoryContext, id: unknown, options: OperationOptions<unknown> | undefined) {
  return snapshots(context, 'versions', id, options);
}

/** `diff(id, from, to)`: the entity's fields (and its deletion) that differ between two snapshots. */
export function* diffVersions(
  context: RepositoryContext,
  id: unknown,
  from: number,
  to: number,
  options: OperationOptions<unknown> | undefined,
): Program<FieldChanges> {
  const a = yield* getVersion(context, id, from, options);
  if (a.isErr()) return err(a.error);
  const b = yield* getVersion(context, id, to, options);
  if (b.isErr()) return err(b.error);
  return ok(
    changedFields(
      context.columns.filter((f) => !f.meta || f.name === 'deletedAt' || f.name === 'deletedBy'),
      a.value.entity,
      b.value.entity,
    ),
  );
}

/** `revert(id, n)`: a new version whose fields equal version `n`'s (an `update` recorded as `revert`). */
export function* revertVersion(
  context: RepositoryContext,
  id: unknown,
  version: number,
  options: WriteOptions<unknown> | undefined,
): Program<Entity> {
  const old = yield* getVersion(context, id, version, options);
  if (old.isErr()) return err(old.error);
  const fields: Entity = {};
  // Every field, so that one missing in the old version is cleared now.
  for (const f of context.definition.fields) fields[f.name] = (old.value.entity as Entity)[f.name];
  return yield* updateEntity(context, 'revert', 'revert', id, fields, options);
}

function* snapshots(
  context: RepositoryContext,
  op: string,
  id: unknown,
  options: OperationOptions<unknown> | undefined,
  version?: number,
): Program<Version[]> {
  const { definition, fail } = context;
  if (!definition.versions)
    throw new TypeError(`${definition.entity}.${op}: the repository is defined without versions: true`);
  const tenant = tenantOf(context, op);
  if (tenant.isErr()) return err(tenant.error);
  const param = idParam(context, op, id);
  if (param.isErr()) return err(param.error);
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 1))
    return err(
      fail('VALIDATION', op, `version must be a positive integer, got ${String(version)}`, { field: 'version' }),
    );
  const params: SqlValue[] = [definition.entity, tenant.value, String(param.value)];
  const one = version === undefined ? '' : ' AND "version" = ?';
  if (version !== undefined) params.push(version);
  const statement = `SELECT "version", "operation", "data", "actor", "correlation_id", "at" FROM ${quote(context.tables.versions)} WHERE "entity" = ? AND "tenant_id" = ? AND "entity_id" = ?${one} ORDER BY "version"`;
  return yield* read(op, options?.tx, () => readSnapshots(context, op, statement, params));
}

function* readSnapshots(
  context: RepositoryContext,
  op: string,
  statement: string,
  params: SqlValue[],
): Program<Version[]> {
  const found = yield* query(statement, params);
  if (found.isErr()) return err(sqlFailure(context, op)(found.error));
  try {
    return ok(
      found.value.rows.map(([version, operation, data, actor, correlationId, at]) => ({
        version: Number(version),
        operation: operation as AuditOperation,
        entity: entityFromJson(context.columns, JSON.parse(data as string) as { [field: string]: JsonValue }),
        ...(actor === null ? {} : { actor: actor as string }),
        ...(correlationId === null ? {} : { correlationId: correlationId as string }),
        at: new Date(at as string),
      })) as Version[],
    );
  } catch (thrown) {
    return err(
      context.fail('UNREADABLE_ROW', op, `a stored snapshot cannot be read: ${(thrown as Error).message}`, {
        cause: thrown,
      }),
    );
  }
}
