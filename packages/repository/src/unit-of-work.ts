import { type Result, type SqlError, type SqlValue, currentContext, err, ok } from '@keel/core';
import type { FieldLayout } from './definition-types.js';
import { kindProblem, toSql } from './field-kinds.js';
import type { RepositoryContext } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';

const noTenant = ok<string, RepositoryError>('');

/** The tenant an operation is limited to: `''` when not tenant-scoped, `NO_TENANT` when the context has none. */
export function tenantOf(context: RepositoryContext, op: string): Result<string, RepositoryError> {
  if (!context.definition.tenantScoped) return noTenant;
  const { tenantId } = currentContext();
  if (typeof tenantId === 'string' && tenantId !== '') return ok(tenantId);
  return err(
    context.fail(
      'NO_TENANT',
      op,
      'the repository is tenant-scoped and the context has no tenantId; run it inside runInContext({ tenantId }, …)',
    ),
  );
}

/** An id as a statement parameter, or `VALIDATION` naming the id field. */
export function idParam(context: RepositoryContext, op: string, id: unknown): Result<SqlValue, RepositoryError> {
  const field = context.definition.fields[0] as FieldLayout;
  const problem = kindProblem(field.kind, id);
  if (problem === undefined) return ok(toSql(field.kind, id));
  return err(
    context.fail('VALIDATION', op, `${field.name} (the id) is stored as ${field.kind}: ${problem}`, {
      field: field.name,
      issues: [{ path: field.name, message: problem }],
    }),
  );
}

/** A `SqlError` as the operation's error. */
export function sqlFailure(context: RepositoryContext, op: string): (cause: SqlError) => RepositoryError {
  return context.fail.sql(op, context.keys);
}
