import { type Result, type SqlValue, err, ok } from '@keel/core';
import { type Change, recordChange } from './change-trail.js';
import { conflict, decoded, notFound, readEntity } from './entity-reads.js';
import { type RepositoryContext, keyParams } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';
import type { AuditOperation } from './repository-types.js';
import { type Program, type Step, execute, query } from './operation-steps.js';
import { sqlFailure } from './unit-of-work.js';

type Entity = Record<string, unknown>;

/** Tries a change this often when it keeps racing other writers (only without `expectedVersion`). */
const attempts = 20;

/** What one change does to the entity it read. */
export interface ChangePlan {
  readonly op: string;
  readonly operation: AuditOperation;
  readonly key: { readonly tenant: string; readonly id: SqlValue };
  /** The id as given, for messages. */
  readonly id: unknown;
  readonly expectedVersion: number | undefined;
  /** Reads soft-deleted entities too (restore, purge). */
  readonly withDeleted: boolean;
  /**
   * Works out the change from the entity as stored: `undefined` when there is nothing to do,
   * else the statement and the entity afterwards (`undefined` when the row goes).
   */
  plan(
    current: Entity,
    version: number,
    at: Date,
  ): Program<Planned | undefined> | Result<Planned | undefined, RepositoryError>;
}

export interface Planned {
  readonly statement: string;
  readonly params: readonly SqlValue[];
  readonly after: Entity | undefined;
}

/**
 * Read, check, write with the version read as the condition, record. The write matches no row
 * when another writer got there first: with `expectedVersion` that is `CONFLICT` (with the
 * version now stored); without, the change is worked out again on the newer entity.
 */
export function* changeEntity(context: RepositoryContext, inTransaction: boolean, plan: ChangePlan): Program<Entity> {
  const select = context.statements.byId(!plan.withDeleted, inTransaction);
  const key = keyParams(context, plan.key.tenant, plan.key.id);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const found = yield* query(select, key);
    if (found.isErr()) return err(sqlFailure(context, plan.op)(found.error));
    const row = found.value.rows[0];
    if (row === undefined) return err(notFound(context, plan.op, plan.id));
    const read = decoded(context, plan.op, row);
    if (read.isErr()) return err(read.error);
    const current = read.value;
    const version = current.version as number;
    if (plan.expectedVersion !== undefined && plan.expectedVersion !== version)
      return err(conflict(context, plan.op, plan.id, plan.expectedVersion, version));
    const at = new Date(context.clock.now());
    const planning = plan.plan(current, version, at);
    // A plan waiting for an asynchronous schema is a program of its own.
    const planned = 'next' in planning ? yield* planning : planning;
    if (planned.isErr()) return err(planned.error);
    if (planned.value === undefined) return ok(current);
    const { statement, params, after } = planned.value;
    const written = yield* execute(statement, params);
    if (written.isErr()) return err(sqlFailure(context, plan.op)(written.error));
    if (written.value.rowsAffected === 1) {
      if (context.trailed) {
        const change: Change = {
          operation: plan.operation,
          idText: String(plan.key.id),
          tenant: plan.key.tenant,
          version: after === undefined ? version : version + 1,
          before: current,
          after,
          at,
        };
        const recorded = yield* recordChange(context, inTransaction, change);
        if (recorded.isErr()) return err(recorded.error);
      }
      return ok(after ?? current);
    }
    // Raced: someone changed (or removed) it between the read and the write.
    if (plan.expectedVersion !== undefined) {
      const now = yield* readEntity(context, inTransaction, plan.op, plan.key, !plan.withDeleted);
      if (now.isErr()) return err(now.error);
      if (now.value === undefined) return err(notFound(context, plan.op, plan.id));
      return err(conflict(context, plan.op, plan.id, plan.expectedVersion, now.value.version as number));
    }
  }
  return err(
    context.fail(
      'CONFLICT',
      plan.op,
      `${context.definition.entity} ${String(plan.id)} kept changing under ${attempts} attempts; retry later`,
    ),
  );
}

/** Creates: the first version, then its trail. */
export function* insertEntity(
  context: RepositoryContext,
  inTransaction: boolean,
  tenant: string,
  params: readonly SqlValue[],
  stored: Entity,
): Generator<Step, Result<Entity, RepositoryError>, unknown> {
  const inserted = yield* execute(context.statements.insert, params);
  if (inserted.isErr()) return err(sqlFailure(context, 'create')(inserted.error));
  if (context.trailed) {
    const idText = String(params[context.definition.tenantScoped ? 1 : 0]);
    const change: Change = {
      operation: 'create',
      idText,
      tenant,
      version: 1,
      before: undefined,
      after: stored,
      at: stored.createdAt as Date,
    };
    const recorded = yield* recordChange(context, inTransaction, change);
    if (recorded.isErr()) return err(recorded.error);
  }
  return ok(stored);
}
