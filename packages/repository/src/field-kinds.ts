import type { SqlDialect, SqlValue } from '@keel/core';
import { formatTimestamp, parseTimestamp } from './iso-timestamp.js';

/**
 * How a field is stored. The kind fixes the JavaScript type, the column type on each dialect,
 * and what filters and orders the field takes:
 *
 * | kind        | JavaScript | SQLite (STRICT)                 | PostgreSQL             |
 * | ----------- | ---------- | ------------------------------- | ---------------------- |
 * | `text`      | `string`   | `TEXT`                          | `TEXT COLLATE "C"`     |
 * | `integer`   | `number`   | `INTEGER`                       | `BIGINT`               |
 * | `bigint`    | `bigint`   | `INTEGER`                       | `BIGINT`               |
 * | `real`      | `number`   | `REAL`                          | `DOUBLE PRECISION`     |
 * | `boolean`   | `boolean`  | `INTEGER` (0 or 1)              | `BOOLEAN`              |
 * | `json`      | any JSON   | `TEXT` (JSON text)              | `JSONB`                |
 * | `timestamp` | `Date`     | `TEXT` (ISO 8601, UTC, ms)      | `TIMESTAMPTZ(3)`       |
 */
export type FieldKind = 'text' | 'integer' | 'bigint' | 'real' | 'boolean' | 'json' | 'timestamp';

export const fieldKinds: readonly FieldKind[] = ['text', 'integer', 'bigint', 'real', 'boolean', 'json', 'timestamp'];

/** A JSON value: what audit records, snapshots and events hold for a field. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The column type of a kind on a dialect. */
export function columnType(kind: FieldKind, dialect: SqlDialect): string {
  return (dialect === 'postgres' ? postgresTypes : sqliteTypes)[kind];
}

const sqliteTypes: Readonly<Record<FieldKind, string>> = {
  text: 'TEXT',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  json: 'TEXT',
  timestamp: 'TEXT',
};

const postgresTypes: Readonly<Record<FieldKind, string>> = {
  // Byte order, as SQLite compares: ordering, ranges and cursors agree on both dialects.
  text: 'TEXT COLLATE "C"',
  integer: 'BIGINT',
  bigint: 'BIGINT',
  real: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  json: 'JSONB',
  timestamp: 'TIMESTAMPTZ(3)',
};

/** Why a JavaScript value is not of a kind, or `undefined` when it is. */
export function kindProblem(kind: FieldKind, value: unknown): string | undefined {
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : `expected a safe integer, got ${describe(value)}`;
    case 'bigint':
      return typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n
        ? undefined
        : `expected a 64-bit bigint, got ${describe(value)}`;
    case 'real':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : `expected a finite number, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describe(value)}`;
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime())
        ? undefined
        : `expected a valid Date, got ${describe(value)}`;
    case 'json':
      return jsonProblem(value);
  }
}

/** A value of the kind as a statement parameter (its problem checked before). */
export function toSql(kind: FieldKind, value: unknown): SqlValue {
  switch (kind) {
    case 'boolean':
      return value ? 1 : 0;
    case 'json':
      return JSON.stringify(value);
    case 'timestamp':
      return formatTimestamp(value as Date);
    default:
      return value as SqlValue;
  }
}

/** A column value read back as the kind's JavaScript value; throws on a value the kind cannot read. */
export function fromSql(kind: FieldKind, value: SqlValue): unknown {
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') throw new TypeError(`expected text, got ${describe(value)}`);
      return value;
    case 'integer':
      return Number(value);
    case 'bigint':
      return BigInt(value as number | bigint | string);
    case 'real':
      return Number(value);
    case 'boolean':
      return value === 1 || value === 1n || value === 't';
    case 'json':
      return JSON.parse(value as string);
    case 'timestamp': {
      const date = typeof value === 'string' ? parseTimestamp(value) : new Date(value as number);
      if (Number.isNaN(date.getTime())) throw new TypeError(`expected a timestamp, got ${describe(value)}`);
      return date;
    }
  }
}

/** The kind's value in JSON (audit changes, snapshots, events, cursors): Dates as ISO text, bigints as decimal text. */
export function toJson(kind: FieldKind, value: unknown): JsonValue {
  if (value === undefined || value === null) return null;
  if (kind === 'timestamp') return formatTimestamp(value as Date);
  if (kind === 'bigint') return String(value);
  return value as JsonValue;
}

/** The inverse of `toJson`; throws on a value the kind cannot read. */
export function fromJson(kind: FieldKind, value: JsonValue): unknown {
  if (value === null) return null;
  if (kind === 'timestamp') return fromSql('timestamp', value as string);
  if (kind === 'bigint') return BigInt(value as string);
  return value;
}

/** Deep equality of JSON values (JSONB reorders object keys, so text comparison would not do). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as readonly JsonValue[];
    return a.length === other.length && a.every((x, i) => jsonEqual(x, other[i] as JsonValue));
  }
  const ao = a as Record<string, JsonValue>;
  const bo = b as Record<string, JsonValue>;
  const keys = Object.keys(ao);
  return (
    keys.length === Object.keys(bo).length &&
    keys.every((k) => k in bo && jsonEqual(ao[k] as JsonValue, bo[k] as JsonValue))
  );
}

function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 64) return 'nested more than 64 levels';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not JSON`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value as object)) {
      const problem = item === undefined ? undefined : jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `expected a JSON value (null, boolean, number, string, array or plain object), got ${describe(value)}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'an invalid Date';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
