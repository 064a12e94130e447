import { type Result, type SqlValue, err, ok } from '@keel/core';
import type { FieldLayout } from './definition-types.js';
import { toSql } from './field-kinds.js';
import { decoded, notFound } from './entity-reads.js';
import { openCursor, querySignature, sealCursor } from './page-cursor.js';
import { type RepositoryContext, keyParams } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';
import { quote } from './repository-ddl.js';
import type { Page, ReadOptions } from './repository-types.js';
import { type Program, type SingleQuery, query, read } from './operation-steps.js';
import { idParam, sqlFailure, tenantOf } from './unit-of-work.js';
import { type Conditions, queryField, whereConditions } from './where-clause.js';

type Entity = Record<string, unknown>;

export const defaultLimit = 50;
export const maxLimit = 1000;

/**
 * `findById` without the caller's transaction: its one statement, and the entity or `NOT_FOUND`
 * from the answer.
 */
export function findEntityQuery(
  context: RepositoryContext,
  id: unknown,
  options: ReadOptions<unknown> | undefined,
): Result<SingleQuery<Entity>, RepositoryError> {
  const op = 'findById';
  const tenant = tenantOf(context, op);
  if (tenant.isErr()) return err(tenant.error);
  const param = idParam(context, op, id);
  if (param.isErr()) return err(param.error);
  return ok({
    statement: context.statements.byId(options?.withDeleted !== true, false),
    params: keyParams(context, tenant.value, param.value),
    finish(answer) {
      if (answer.isErr()) return err(sqlFailure(context, op)(answer.error));
      const row = answer.value.rows[0];
      return row === undefined ? err(notFound(context, op, id)) : decoded(context, op, row);
    },
  });
}

/** `findById` in the caller's transaction (`options.tx`). */
export function* findEntity(
  context: RepositoryContext,
  id: unknown,
  options: ReadOptions<unknown> | undefined,
): Program<Entity> {
  const one = findEntityQuery(context, id, options);
  if (one.isErr()) return err(one.error);
  const { statement, params, finish } = one.value;
  return yield* read('findById', options?.tx, function* () {
    return finish(yield* query(statement, params));
  });
}

/** `count`: how many entities match. */
export function* countEntities(
  context: RepositoryContext,
  options: (ReadOptions<unknown> & { readonly where?: unknown }) | undefined,
): Program<number> {
  const op = 'count';
  const scope = scoped(context, op, options);
  if (scope.isErr()) return err(scope.error);
  const { sql, params } = scope.value;
  const statement = `SELECT COUNT(*) FROM ${context.statements.from}${whereSql(sql)}`;
  return yield* read(op, options?.tx, function* () {
    const counted = yield* query(statement, params);
    if (counted.isErr()) return err(sqlFailure(context, op)(counted.error));
    return ok(Number(counted.value.rows[0]?.[0] ?? 0));
  });
}

/** `findMany`: one page, in order, after the cursor. */
export function* findEntities(
  context: RepositoryContext,
  options: (ReadOptions<unknown> & { where?: unknown; orderBy?: unknown; limit?: number; after?: string }) | undefined,
): Program<Page<Entity>> {
  const op = 'findMany';
  const { fail } = context;
  const limit = options?.limit ?? defaultLimit;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxLimit)
    return err(
      fail('INVALID_QUERY', op, `limit must be an integer from 1 to ${maxLimit}, got ${String(limit)}`, {
        field: 'limit',
      }),
    );
  const scope = scoped(context, op, options);
  if (scope.isErr()) return err(scope.error);
  const order = orderKeys(context, op, options?.orderBy);
  if (order.isErr()) return err(order.error);
  const keys = order.value;
  const tenant = context.definition.tenantScoped ? scope.value.tenant : '';
  const signature = querySignature([
    options?.where ?? null,
    keys.map((k) => [k.field.name, k.desc]),
    options?.withDeleted === true,
    tenant,
  ]);
  const keyFields = keys.map((k) => k.field);
  const conditions: Conditions = { sql: [...scope.value.sql], params: [...scope.value.params] };
  if (options?.after !== undefined) {
    const values = openCursor(context.cursorKey, signature, keyFields, options.after);
    if (values === undefined)
      return err(
        fail(
          'INVALID_CURSOR',
          op,
          'the cursor was altered, or made for another query, repository or tenant; start from the first page',
          {
            field: 'after',
          },
        ),
      );
    keyset(keys, values, conditions);
  }
  const orderSql = keys.map((k) => `${quote(k.field.column)} ${k.desc ? 'DESC' : 'ASC'}`).join(', ');
  const statement = `SELECT ${context.statements.selectList} FROM ${context.statements.from}${whereSql(conditions.sql)} ORDER BY ${orderSql} LIMIT ?`;
  const params = [...conditions.params, limit + 1];
  return yield* read(op, options?.tx, function* () {
    const found = yield* query(statement, params);
    if (found.isErr()) return err(sqlFailure(context, op)(found.error));
    const items: Entity[] = [];
    for (const row of found.value.rows.slice(0, limit)) {
      const entity = decoded(context, op, row);
      if (entity.isErr()) return err(entity.error);
      items.push(entity.value);
    }
    const last = items.at(-1);
    const more = found.value.rows.length > limit && last !== undefined;
    return ok(more ? { items, next: sealCursor(context.cursorKey, signature, keyFields, last) } : { items });
  });
}

interface OrderKey {
  readonly field: FieldLayout;
  readonly desc: boolean;
}

/** The order asked for, then the id (unique within the scope), so every entity has one place. */
function orderKeys(context: RepositoryContext, op: string, orderBy: unknown): Result<OrderKey[], RepositoryError> {
  const asked = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  const keys: OrderKey[] = [];
  for (const [i, key] of asked.entries()) {
    const name = (key as { field?: unknown } | null)?.field;
    const direction = (key as { direction?: unknown } | null)?.direction ?? 'asc';
    if (typeof name !== 'string' || (direction !== 'asc' && direction !== 'desc'))
      return err(
        context.fail('INVALID_QUERY', op, `orderBy[${i}] must be { field, direction?: 'asc' | 'desc' }`, {
          field: 'orderBy',
        }),
      );
    const found = queryField(context, op, name, 'orderBy');
    if (found.isErr()) return err(found.error);
    const field = found.value;
    if (field.kind === 'json' || field.nullable || field.optional)
      return err(
        context.fail(
          'INVALID_QUERY',
          op,
          `orderBy: ${name} cannot order a page (${field.kind === 'json' ? 'json' : 'it may be empty'})`,
          {
            field: name,
          },
        ),
      );
    if (!keys.some((k) => k.field === field)) keys.push({ field, desc: direction === 'desc' });
  }
  const id = context.definition.fields[0] as FieldLayout;
  if (!keys.some((k) => k.field === id)) keys.push({ field: id, desc: keys.at(-1)?.desc ?? false });
  return ok(keys);
}

/** After the cursor: `(a > x) OR (a = x AND b > y) OR …`, each key in its own direction. */
function keyset(keys: readonly OrderKey[], values: readonly unknown[], out: Conditions): void {
  const alternatives: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      const k = keys[j] as OrderKey;
      parts.push(`${quote(k.field.column)} = ?`);
      out.params.push(toSql(k.field.kind, values[j]));
    }
    const k = keys[i] as OrderKey;
    parts.push(`${quote(k.field.column)} ${k.desc ? '<' : '>'} ?`);
    out.params.push(toSql(k.field.kind, values[i]));
    alternatives.push(`(${parts.join(' AND ')})`);
  }
  out.sql.push(`(${alternatives.join(' OR ')})`);
}

/** The tenant, soft-delete and `where` conditions every query of a repository starts with. */
function scoped(
  context: RepositoryContext,
  op: string,
  options: (ReadOptions<unknown> & { readonly where?: unknown }) | undefined,
): Result<Conditions & { readonly tenant: string }, RepositoryError> {
  const tenant = tenantOf(context, op);
  if (tenant.isErr()) return err(tenant.error);
  const filters = whereConditions(context, op, options?.where);
  if (filters.isErr()) return err(filters.error);
  const sql: string[] = [];
  const params: SqlValue[] = [];
  if (context.definition.tenantScoped) {
    sql.push('"tenant_id" = ?');
    params.push(tenant.value);
  }
  if (context.definition.softDelete && options?.withDeleted !== true) sql.push('"deleted_at" IS NULL');
  return ok({
    sql: [...sql, ...filters.value.sql],
    params: [...params, ...filters.value.params],
    tenant: tenant.value,
  });
}

function whereSql(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}
