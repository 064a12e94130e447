import type { SqlConstraintKind, SqlExecuteResult, SqlParams, SqlQueryResult, SqlValue } from '@keel/core';
import type { WitError } from '../imports/binding.js';

/** WIT `sql.value` as jco represents it. */
export type WitSqlValue =
  | { readonly tag: 'null' }
  | { readonly tag: 'integer'; readonly val: bigint }
  | { readonly tag: 'real'; readonly val: number }
  | { readonly tag: 'text'; readonly val: string }
  | { readonly tag: 'blob'; readonly val: Uint8Array };

/** WIT `sql.params` as jco represents it. */
export type WitSqlParams =
  | { readonly tag: 'positional'; readonly val: readonly WitSqlValue[] }
  | { readonly tag: 'named'; readonly val: readonly (readonly [string, WitSqlValue])[] };

export function sqlValueFromWit(value: WitSqlValue): SqlValue {
  return value.tag === 'null' ? null : value.val;
}

/**
 * A column value as WIT sees it. The contract reads an integer back as a `number` when it fits,
 * so an integral `number` becomes `integer` and any other `number` `real`: a REAL column holding
 * 2.0 reaches a guest as `integer(2)`.
 */
export function sqlValueToWit(value: SqlValue): WitSqlValue {
  if (value === null) return { tag: 'null' };
  switch (typeof value) {
    case 'bigint':
      return { tag: 'integer', val: value };
    case 'number':
      return Number.isInteger(value) ? { tag: 'integer', val: BigInt(value) } : { tag: 'real', val: value };
    case 'string':
      return { tag: 'text', val: value };
    default:
      return { tag: 'blob', val: value };
  }
}

export function sqlParamsFromWit(params: WitSqlParams): SqlParams {
  if (params.tag === 'positional') return params.val.map(sqlValueFromWit);
  return Object.fromEntries(params.val.map(([name, value]) => [name, sqlValueFromWit(value)]));
}

export function queryResultToWit(result: SqlQueryResult) {
  return { columns: [...result.columns], rows: result.rows.map((row) => row.map(sqlValueToWit)) };
}

export function executeResultToWit(result: SqlExecuteResult) {
  return {
    rowsAffected: BigInt(result.rowsAffected),
    lastInsertId: result.lastInsertId === undefined ? undefined : BigInt(result.lastInsertId),
  };
}

/** A sql error (the adapter's or a sandbox's) as its WIT case; the sandbox's own limits never get here. */
export function sqlErrorToWit(error: {
  readonly code: string;
  readonly message: string;
  readonly constraint?: SqlConstraintKind | undefined;
}): WitError {
  if (error.code === 'CONSTRAINT_VIOLATION') {
    return { tag: 'constraint-violation', val: { kind: error.constraint ?? 'other', message: error.message } };
  }
  return { tag: error.code.toLowerCase().replace(/_/g, '-'), val: error.message };
}
