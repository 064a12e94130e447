import { type Result, type SqlDialect, type SqlValue, err, ok } from '@keel/core';
import type { FieldLayout } from './definition-types.js';
import { kindProblem, toSql } from './field-kinds.js';
import type { RepositoryContext } from './repository-context.js';
import type { RepositoryError } from './repository-errors.js';
import { quote } from './repository-ddl.js';

/** SQL conditions (joined with AND) and their parameters. */
export interface Conditions {
  readonly sql: string[];
  readonly params: SqlValue[];
}

const operators = ['eq', 'in', 'gt', 'gte', 'lt', 'lte', 'prefix'] as const;
type Operator = (typeof operators)[number];
const comparison: Readonly<Record<string, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
/** Longer `in` lists are refused: each value is a parameter, and the dialects cap their number. */
export const maxInValues = 1000;

/**
 * The field a query names: one of the entity's, or `version`, `createdAt`, `updatedAt`,
 * `deletedAt`, `deletedBy`; anything else is `UNKNOWN_FIELD`.
 */
export function queryField(
  context: RepositoryContext,
  op: string,
  name: string,
  where: string,
): Result<FieldLayout, RepositoryError> {
  const field = context.columns.find((f) => f.name === name);
  if (field) return ok(field);
  const known = context.columns.map((f) => f.name).join(', ');
  return err(
    context.fail('UNKNOWN_FIELD', op, `${where} names ${name}, which is not a field (fields: ${known})`, {
      field: name,
    }),
  );
}

/**
 * The conditions of a `where`: a bare value (or `null`) means equals; an object holds
 * operators that must all hold. Each value is checked against its field's kind.
 */
export function whereConditions(
  context: RepositoryContext,
  op: string,
  where: unknown,
): Result<Conditions, RepositoryError> {
  const out: Conditions = { sql: [], params: [] };
  if (where === undefined) return ok(out);
  const invalid = (field: string, message: string) =>
    err(context.fail('INVALID_QUERY', op, `where.${field}: ${message}`, { field }));
  if (typeof where !== 'object' || where === null || Array.isArray(where))
    return err(context.fail('INVALID_QUERY', op, 'where must be an object of field filters'));
  for (const [name, filter] of Object.entries(where)) {
    if (filter === undefined) continue;
    const found = queryField(context, op, name, 'where');
    if (found.isErr()) return err(found.error);
    const field = found.value;
    if (field.kind === 'json') return invalid(name, 'json fields cannot be filtered');
    const column = quote(field.column);
    const isOperators =
      typeof filter === 'object' && filter !== null && !(filter instanceof Date) && !Array.isArray(filter);
    const entries: [string, unknown][] = isOperators ? Object.entries(filter) : [['eq', filter]];
    for (const [operator, value] of entries) {
      if (value === undefined) continue;
      if (!(operators as readonly string[]).includes(operator))
        return invalid(`${name}.${operator}`, `unknown operator (operators: ${operators.join(', ')})`);
      const at = isOperators ? `${name}.${operator}` : name;
      const added = condition(context.dialect, field, column, operator as Operator, value, out);
      if (added) return invalid(at, added);
    }
  }
  return ok(out);
}

/** Adds one condition, or returns why it cannot be. */
function condition(
  dialect: SqlDialect,
  field: FieldLayout,
  column: string,
  operator: Operator,
  value: unknown,
  out: Conditions,
): string | undefined {
  const checked = (v: unknown) => kindProblem(field.kind, v);
  switch (operator) {
    case 'eq': {
      if (value === null) {
        if (!field.nullable && !field.optional) return `${field.name} is never empty, so it is never null`;
        out.sql.push(`${column} IS NULL`);
        return undefined;
      }
      const problem = checked(value);
      if (problem) return problem;
      out.sql.push(`${column} = ?`);
      out.params.push(toSql(field.kind, value));
      return undefined;
    }
    case 'in': {
      if (!Array.isArray(value)) return 'expected a list of values';
      if (value.length > maxInValues) return `at most ${maxInValues} values`;
      for (const item of value) {
        const problem = checked(item);
        if (problem) return problem;
      }
      if (value.length === 0) out.sql.push('1 = 0');
      else out.sql.push(`${column} IN (${value.map(() => '?').join(', ')})`);
      out.params.push(...value.map((item) => toSql(field.kind, item)));
      return undefined;
    }
    case 'prefix': {
      if (field.kind !== 'text') return `prefix needs a text field; ${field.name} is ${field.kind}`;
      if (typeof value !== 'string') return 'expected a string';
      // Case-sensitive on both: SQLite's LIKE ignores ASCII case, its GLOB does not.
      if (dialect === 'sqlite') {
        out.sql.push(`${column} GLOB ?`);
        out.params.push(`${value.replace(/[*?[]/g, (c) => `[${c}]`)}*`);
      } else {
        out.sql.push(`${column} LIKE ? ESCAPE '\\'`);
        out.params.push(`${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      return undefined;
    }
    default: {
      if (field.kind === 'boolean') return `${field.name} is boolean: use eq`;
      const problem = checked(value);
      if (problem) return problem;
      out.sql.push(`${column} ${comparison[operator]} ?`);
      out.params.push(toSql(field.kind, value));
      return undefined;
    }
  }
}
