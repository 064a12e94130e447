import { type ResultAsync, type Sql, type SqlValue, err, errAsync, ok } from '@keel/core';
import { type Program, query as select, read } from './operation-steps.js';
import { type Failures, type RepositoryError, failures } from './repository-errors.js';
import { quote } from './repository-ddl.js';
import { checkPrefix, trailTables } from './repository-tables.js';
import type { AuditOperation, AuditQuery, AuditRecord, FieldChanges, OperationOptions } from './repository-types.js';
import { runAsync } from './run-async.js';

/** Which audit records, across entities and tenants: every condition must hold. */
export interface AuditLogQuery extends AuditQuery {
  readonly entity?: string;
  readonly tenantId?: string;
}

/** The audit trail of every repository on a database: for operators and retention jobs. */
export interface AuditLog {
  /** Records matching the query, oldest first. */
  query(query?: AuditLogQuery, options?: OperationOptions): ResultAsync<readonly AuditRecord[], RepositoryError>;
  /** Deletes the records written before `before` (a retention policy); returns how many. */
  purge(options: { readonly before: Date }): ResultAsync<number, RepositoryError>;
}

const maxLimit = 1000;

/**
 * The audit trail every audited repository writes to, read across entities, actors and time.
 * A repository's own `audit(query)` is this, limited to its entity and the current tenant.
 *
 * @example
 * const log = createAuditLog(keel.sql);
 * const byAda = await log.query({ actor: 'ada', from: new Date('2026-01-01') });
 * await log.purge({ before: new Date(Date.now() - 365 * 86_400_000) }); // keep a year
 */
export function createAuditLog(sql: Sql, options: { readonly tablePrefix?: string } = {}): AuditLog {
  const table = quote(trailTables(checkPrefix(options.tablePrefix, 'createAuditLog')).audit);
  return auditLog(sql, table, failures('audit'));
}

/** The audit log on a table, its errors named by `fail`. */
export function auditLog(sql: Sql, table: string, fail: Failures): AuditLog {
  const place = { sql, fail, keys: [], events: undefined };
  return {
    query: (query = {}, queryOptions) => runAsync(place, auditRecords(table, fail, query, queryOptions?.tx)),
    purge({ before }) {
      if (!(before instanceof Date) || Number.isNaN(before.getTime()))
        return errAsync(fail('INVALID_QUERY', 'purgeAudit', 'before must be a valid Date', { field: 'before' }));
      return sql
        .execute(`DELETE FROM ${table} WHERE "at" < ?`, [before.toISOString()])
        .map((done) => done.rowsAffected)
        .mapErr(fail.sql('purgeAudit', []));
    },
  };
}

/** The audit records a query matches, oldest first, read in `tx` when given. */
export function* auditRecords(
  table: string,
  fail: Failures,
  query: AuditLogQuery,
  tx: unknown,
): Program<readonly AuditRecord[]> {
  const op = 'audit';
  const built = auditStatement(table, query);
  if (typeof built === 'string') return err(fail('INVALID_QUERY', op, built));
  return yield* read(op, tx, function* () {
    const found = yield* select(built.statement, built.params);
    if (found.isErr()) return err(fail.sql(op, [])(found.error));
    try {
      return ok(found.value.rows.map(toRecord));
    } catch (thrown) {
      return err(
        fail('UNREADABLE_ROW', op, `an audit record cannot be read: ${(thrown as Error).message}`, {
          cause: thrown,
        }),
      );
    }
  });
}

function auditStatement(table: string, query: AuditLogQuery): { statement: string; params: SqlValue[] } | string {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const text = (column: string, value: unknown, name: string) => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint')
      return `${name} must be a string`;
    conditions.push(`"${column}" = ?`);
    params.push(String(value));
    return undefined;
  };
  const time = (operator: string, value: unknown, name: string) => {
    if (value === undefined) return undefined;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) return `${name} must be a valid Date`;
    conditions.push(`"at" ${operator} ?`);
    params.push(value.toISOString());
    return undefined;
  };
  const problem =
    text('entity', query.entity, 'entity') ??
    text('tenant_id', query.tenantId, 'tenantId') ??
    text('entity_id', query.entityId, 'entityId') ??
    text('actor', query.actor, 'actor') ??
    text('correlation_id', query.correlationId, 'correlationId') ??
    text('operation', query.operation, 'operation') ??
    time('>=', query.from, 'from') ??
    time('<', query.to, 'to');
  if (problem) return problem;
  if (query.afterId !== undefined) {
    if (!Number.isSafeInteger(query.afterId)) return 'afterId must be an integer';
    conditions.push('"id" > ?');
    params.push(query.afterId);
  }
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxLimit)
    return `limit must be an integer from 1 to ${maxLimit}`;
  params.push(limit);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const columns =
    '"id", "entity", "entity_id", "tenant_id", "operation", "version", "changes", "actor", "correlation_id", "at"';
  return { statement: `SELECT ${columns} FROM ${table}${where} ORDER BY "id" LIMIT ?`, params };
}

function toRecord(row: readonly SqlValue[]): AuditRecord {
  const [id, entity, entityId, tenantId, operation, version, changes, actor, correlationId, at] = row;
  return {
    id: Number(id),
    entity: entity as string,
    entityId: entityId as string,
    tenantId: tenantId as string,
    operation: operation as AuditOperation,
    version: Number(version),
    changes: JSON.parse(changes as string) as FieldChanges,
    ...(actor === null ? {} : { actor: actor as string }),
    ...(correlationId === null ? {} : { correlationId: correlationId as string }),
    at: new Date(at as string),
  };
}
