import { describeValue } from '../errors/describe-value.js';
import type { SqlParams, SqlQueryResult, SqlValue } from './sql-contract.js';

const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;

/** Why a parameter value cannot be bound, or `undefined` when it can. */
export function sqlValueProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return undefined;
    case 'number':
      return Number.isNaN(value) ? 'NaN cannot be stored (SQL engines turn it into NULL)' : undefined;
    case 'bigint':
      return value < S64_MIN || value > S64_MAX ? 'is outside the 64-bit integer range' : undefined;
    case 'object':
      if (value === null || value instanceof Uint8Array) return undefined;
      break;
    case 'boolean':
      return 'is a boolean; bind 1 or 0 instead';
  }
  return `must be null, a number, bigint, string or Uint8Array, got ${describeValue(value)}`;
}

/**
 * Checks every parameter value. Returns a message naming the first bad one, or `undefined`.
 * A params argument that is neither an array nor an object is a programming mistake and throws.
 */
export function sqlParamsProblem(op: string, params: SqlParams | undefined): string | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) {
    for (let i = 0; i < params.length; i++) {
      const problem = sqlValueProblem(params[i]);
      if (problem) return `params[${i}] ${problem}`;
    }
    return undefined;
  }
  if (typeof params !== 'object' || params === null || params instanceof Uint8Array) {
    throw new TypeError(`sql.${op}: params must be an array or an object, got ${describeValue(params)}`);
  }
  for (const [name, value] of Object.entries(params)) {
    const problem = sqlValueProblem(value);
    if (problem) return `params.${name} ${problem}`;
  }
  return undefined;
}

/**
 * Rows as objects keyed by column name, for callers who prefer them to arrays.
 *
 * @example
 * const users = rowsToObjects<{ id: number; email: string }>((await sql.query('SELECT id, email FROM users'))._unsafeUnwrap());
 */
export function rowsToObjects<T extends Record<string, SqlValue> = Record<string, SqlValue>>(
  result: SqlQueryResult,
): T[] {
  const { columns, rows } = result;
  return rows.map((row) => {
    const object: Record<string, SqlValue> = {};
    for (let i = 0; i < columns.length; i++) object[columns[i] as string] = row[i] as SqlValue;
    return object as T;
  });
}
