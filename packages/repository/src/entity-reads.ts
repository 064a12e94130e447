import { type Result, type SqlValue, err, ok } from '@keel/core';
import { type RepositoryContext, keyParams } from './repository-context.js';
import { decodeRow } from './row-codec.js';
import { type Step, query } from './operation-steps.js';
import { sqlFailure } from './unit-of-work.js';

type Entity = Record<string, unknown>;

/**
 * Reads one entity by key, or `undefined`. In a transaction on PostgreSQL the row is locked
 * (`FOR UPDATE`) when `lock`, so a concurrent writer waits instead of losing the race.
 */
export function* readEntity(
  context: RepositoryContext,
  inTransaction: boolean,
  op: string,
  key: { readonly tenant: string; readonly id: SqlValue },
  live: boolean,
  lock = false,
): Generator<Step, Result<Entity | undefined, ReturnType<RepositoryContext['fail']>>, unknown> {
  const found = yield* query(
    context.statements.byId(live, lock && inTransaction),
    keyParams(context, key.tenant, key.id),
  );
  if (found.isErr()) return err(sqlFailure(context, op)(found.error));
  const row = found.value.rows[0];
  if (row === undefined) return ok(undefined);
  return decoded(context, op, row);
}

/** A row as an entity, or `UNREADABLE_ROW` naming the column. */
export function decoded(
  context: RepositoryContext,
  op: string,
  row: readonly SqlValue[],
): Result<Entity, ReturnType<RepositoryContext['fail']>> {
  try {
    return ok(decodeRow(context.columns, row));
  } catch (thrown) {
    return err(
      context.fail(
        'UNREADABLE_ROW',
        op,
        `a stored ${context.definition.entity} cannot be read: ${(thrown as Error).message}`,
        {
          cause: thrown,
        },
      ),
    );
  }
}

/** `NOT_FOUND` for an id. */
export function notFound(context: RepositoryContext, op: string, id: unknown) {
  return context.fail('NOT_FOUND', op, `no ${context.definition.entity} with ${context.definition.id} ${String(id)}`, {
    field: context.definition.id,
  });
}

/** `CONFLICT` carrying the stored version. */
export function conflict(context: RepositoryContext, op: string, id: unknown, expected: number, current: number) {
  return context.fail(
    'CONFLICT',
    op,
    `${context.definition.entity} ${String(id)} is at version ${current}, not the expected ${expected}; read it again and retry`,
    { currentVersion: current, field: 'expectedVersion' },
  );
}
