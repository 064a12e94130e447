import { currentContext, err, ok } from '@keel/core';
import type { FieldLayout } from './definition-types.js';
import type { RepositoryContext } from './repository-context.js';
import { quote } from './repository-ddl.js';
import { formatTimestamp } from './iso-timestamp.js';
import type { AuditOperation, FieldChanges } from './repository-types.js';
import { changedFields, entityJson } from './row-codec.js';
import { type Program, execute, publish } from './operation-steps.js';
import { sqlFailure } from './unit-of-work.js';

type Entity = Record<string, unknown>;

/** One change of one entity, as the trail records it. */
export interface Change {
  readonly operation: AuditOperation;
  readonly idText: string;
  readonly tenant: string;
  /** The version after the change (the last version, for a purge or a delete for good). */
  readonly version: number;
  readonly before: Entity | undefined;
  /** `undefined` when the row is gone. */
  readonly after: Entity | undefined;
  readonly at: Date;
}

const eventSuffix: Readonly<Record<AuditOperation, string>> = {
  create: 'Created',
  update: 'Updated',
  restore: 'Updated',
  revert: 'Updated',
  delete: 'Deleted',
  purge: 'Deleted',
};

/**
 * Writes what a change leaves besides the row, in its transaction: the audit record, the
 * snapshot (or, when the row is gone, the end of its snapshots) and the event.
 */
export function* recordChange(context: RepositoryContext, inTransaction: boolean, change: Change): Program<void> {
  const { definition, tables, events } = context;
  const op = change.operation;
  const { actor, correlationId } = currentContext();
  const changes = change.operation === 'purge' ? {} : changedFields(trailFields(context), change.before, change.after);
  const at = formatTimestamp(change.at);
  if (definition.audit) {
    const written = yield* execute(
      `INSERT INTO ${quote(tables.audit)} ("entity", "entity_id", "tenant_id", "operation", "version", "changes", "actor", "correlation_id", "at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        definition.entity,
        change.idText,
        change.tenant,
        op,
        change.version,
        JSON.stringify(changes),
        actor ?? null,
        correlationId ?? null,
        at,
      ],
    );
    if (written.isErr()) return err(sqlFailure(context, op)(written.error));
  }
  if (definition.versions) {
    const written =
      change.after === undefined
        ? yield* execute(
            `DELETE FROM ${quote(tables.versions)} WHERE "entity" = ? AND "tenant_id" = ? AND "entity_id" = ?`,
            [definition.entity, change.tenant, change.idText],
          )
        : yield* execute(
            `INSERT INTO ${quote(tables.versions)} ("entity", "tenant_id", "entity_id", "version", "operation", "data", "actor", "correlation_id", "at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              definition.entity,
              change.tenant,
              change.idText,
              change.version,
              op,
              JSON.stringify(entityJson(context.columns, change.after)),
              actor ?? null,
              correlationId ?? null,
              at,
            ],
          );
    if (written.isErr()) return err(sqlFailure(context, op)(written.error));
  }
  if (events && inTransaction) return yield* published(context, change, changes);
  return ok(undefined);
}

function* published(context: RepositoryContext, change: Change, changes: FieldChanges): Program<void> {
  const { definition, fail } = context;
  const event = {
    type: `${definition.entity}${eventSuffix[change.operation]}`,
    aggregateId: change.idText,
    data: {
      operation: change.operation,
      entity: entityJson(context.columns, (change.after ?? change.before) as Entity),
      changes,
    },
  };
  const outcome = yield* publish(change.operation, [event]);
  if (outcome.isOk()) return ok(undefined);
  const cause = outcome.error;
  context.logger.warn(
    { entity: definition.entity, operation: change.operation, id: change.idText, type: event.type, err: cause },
    'repository: publishing the change’s event failed; the change was rolled back',
  );
  return err(
    fail(
      'PUBLISH_FAILED',
      change.operation,
      `publishing ${event.type} failed, so the change was rolled back: ${describe(cause)}`,
      { cause },
    ),
  );
}

/** The fields whose changes the trail records: the entity's, and whether and by whom it is deleted. */
function trailFields(context: RepositoryContext): readonly FieldLayout[] {
  return context.columns.filter((f) => !f.meta || f.name === 'deletedAt' || f.name === 'deletedBy');
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
