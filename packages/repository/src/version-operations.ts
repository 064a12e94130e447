import { type Result, type ResultAsync, type SqlValue, err, errAsync, ok } from '@keel/core';
import type { JsonValue } from './field-kinds.js';
import type { RepositoryContext } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';
import { quote } from './repository-ddl.js';
import type {
  AuditOperation,
  EntityVersion,
  FieldChanges,
  OperationOptions,
  WriteOptions,
} from './repository-types.js';
import { changedFields, entityFromJson } from './row-codec.js';
import { type Db, idParam, read, sqlFailure, tenantOf } from './unit-of-work.js';
import { updateEntity } from './write-operations.js';

type Entity = Record<string, unknown>;
type Version = EntityVersion<Entity>;

/** `version(id, n)`: one snapshot, or `NOT_FOUND`. */
export function getVersion(
  context: RepositoryContext,
  id: unknown,
  version: number,
  options: OperationOptions | undefined,
) {
  const op = 'version';
  return snapshots(context, op, id, options, version).andThen(([found]) =>
    found
      ? ok(found)
      : err(context.fail('NOT_FOUND', op, `${context.definition.entity} ${String(id)} has no version ${version}`)),
  );
}

/** `versions(id)`: every snapshot, oldest first (none for an id that never existed). */
export function listVersions(context: RepositoryContext, id: unknown, options: OperationOptions | undefined) {
  return snapshots(context, 'versions', id, options);
}

/** `diff(id, from, to)`: the entity's fields (and its deletion) that differ between two snapshots. */
export function diffVersions(
  context: RepositoryContext,
  id: unknown,
  from: number,
  to: number,
  options: OperationOptions | undefined,
): ResultAsync<FieldChanges, RepositoryError> {
  return getVersion(context, id, from, options).andThen((a) =>
    getVersion(context, id, to, options).map((b) =>
      changedFields(
        context.columns.filter((f) => !f.meta || f.name === 'deletedAt' || f.name === 'deletedBy'),
        a.entity,
        b.entity,
      ),
    ),
  );
}

/** `revert(id, n)`: a new version whose fields equal version `n`'s (an `update` recorded as `revert`). */
export function revertVersion(
  context: RepositoryContext,
  id: unknown,
  version: number,
  options: WriteOptions | undefined,
) {
  return getVersion(context, id, version, options).andThen((old) => {
    const fields: Entity = {};
    // Every field, so that one missing in the old version is cleared now.
    for (const f of context.definition.fields) fields[f.name] = (old.entity as Entity)[f.name];
    return updateEntity(context, 'revert', 'revert', id, fields, options);
  });
}

function snapshots(
  context: RepositoryContext,
  op: string,
  id: unknown,
  options: OperationOptions | undefined,
  version?: number,
): ResultAsync<Version[], RepositoryError> {
  const { definition, fail } = context;
  if (!definition.versions)
    throw new TypeError(`${definition.entity}.${op}: the repository is defined without versions: true`);
  const tenant = tenantOf(context, op);
  if (tenant.isErr()) return errAsync(tenant.error);
  const param = idParam(context, op, id);
  if (param.isErr()) return errAsync(param.error);
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 1))
    return errAsync(
      fail('VALIDATION', op, `version must be a positive integer, got ${String(version)}`, { field: 'version' }),
    );
  const params: SqlValue[] = [definition.entity, tenant.value, String(param.value)];
  const one = version === undefined ? '' : ' AND "version" = ?';
  if (version !== undefined) params.push(version);
  const statement = `SELECT "version", "operation", "data", "actor", "correlation_id", "at" FROM ${quote(context.tables.versions)} WHERE "entity" = ? AND "tenant_id" = ? AND "entity_id" = ?${one} ORDER BY "version"`;
  return read(context, op, options, (db) => readSnapshots(context, db, op, statement, params));
}

async function readSnapshots(
  context: RepositoryContext,
  db: Db,
  op: string,
  statement: string,
  params: SqlValue[],
): Promise<Result<Version[], RepositoryError>> {
  const found = await db.on.query(statement, params);
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
