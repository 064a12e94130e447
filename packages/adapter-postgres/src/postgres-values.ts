import type { SqlParams, SqlValue } from '@keel/core';
import { sqlError } from './postgres-errors.js';
import type { RewrittenStatement } from './postgres-placeholders.js';

/** Type OIDs Keel reads or binds by name (`pg_type.oid`, fixed for built-in types). */
export const oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
  timestamp: 1114,
  timestamptz: 1184,
} as const;

type Parser = (text: string) => SqlValue;

const asText: Parser = (text) => text;
const asNumber: Parser = (text) => Number(text);

/**
 * How each column type is read (every value arrives in PostgreSQL's text format). Every type
 * not listed, arrays included, arrives as its text, which the session settings fix
 * (`DateStyle=ISO`, `IntervalStyle=iso_8601`, `TimeZone=UTC`): lossless, never refused.
 */
const parsers = new Map<number, Parser>([
  [oid.bool, (text) => (text === 't' ? 1 : 0)],
  [oid.bytea, readBytea],
  [oid.int8, readInt8],
  [oid.int2, asNumber],
  [oid.int4, asNumber],
  [oid.oid, asNumber],
  [oid.float4, asNumber],
  [oid.float8, asNumber],
  // `2024-01-02 03:04:05.5` → `2024-01-02T03:04:05.5`; `infinity` stays.
  [oid.timestamp, (text) => text.replace(' ', 'T')],
  // The session is in UTC, so the offset is `+00`: `2024-01-02T03:04:05.5Z`.
  [
    oid.timestamptz,
    (text) => (text.endsWith('+00') ? `${text.slice(0, -3).replace(' ', 'T')}Z` : text.replace(' ', 'T')),
  ],
]);

/** What pg asks for each column of a result: pg's own global parsers are never used. */
export function getTypeParser(typeId: number): Parser {
  return parsers.get(typeId) ?? asText;
}

/** An int8 as the contract reads integers: a `number` when exact (below 2^53), else a `bigint`. */
function readInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** `bytea_output=hex`: `\x0aff` → bytes, in a plain Uint8Array of its own. */
function readBytea(text: string): Uint8Array {
  const bytes = new Uint8Array((text.length - 2) >>> 1);
  Buffer.from(bytes.buffer).write(text.slice(2), 'hex');
  return bytes;
}

/** Parameter types as pg sends them in the Parse message, with the result parsers attached (pg reads both from `types`). */
export type ParameterTypes = number[] & { getTypeParser: typeof getTypeParser };

export interface BoundParameters {
  readonly values: unknown[];
  readonly types: ParameterTypes;
}

const untyped: ParameterTypes = Object.assign([], { getTypeParser });
const int8Min = -(2 ** 63);
const int8Limit = 2 ** 63;

/**
 * The values pg sends for a rewritten statement, in `$n` order, with the type of each that
 * Keel fixes: `bigint` → int8, a non-integer `number` (or one outside int8, or -0) → float8,
 * `Uint8Array` → bytea. Strings, integer numbers and null are sent as text of unknown type, so
 * PostgreSQL reads them as whatever the statement needs (a date, a uuid, a boolean `1`).
 * Throws `INVALID_PARAMETER` when the params do not fit the statement.
 */
export function bindParameters(
  statement: RewrittenStatement,
  params: SqlParams | undefined,
  op: string,
): BoundParameters | undefined {
  if (statement.problem !== undefined) throw sqlError('INVALID_PARAMETER', statement.problem, op);
  if (params === undefined) {
    if (statement.count === 0) return undefined;
    throw sqlError('INVALID_PARAMETER', `the statement takes ${takes(statement)}, but no params were given`, op);
  }
  let types = untyped;
  const values: unknown[] = new Array(statement.count);
  const typeAt = (i: number, type: number) => {
    if (types === untyped) types = Object.assign(new Array<number>(statement.count).fill(0), { getTypeParser });
    types[i] = type;
  };
  if (Array.isArray(params)) {
    if (statement.kind === 'named')
      throw sqlError(
        'INVALID_PARAMETER',
        `the statement uses named parameters (:${statement.names[0]}); pass an object`,
        op,
      );
    if (params.length !== statement.count)
      throw sqlError('INVALID_PARAMETER', `the statement takes ${takes(statement)}, got ${params.length}`, op);
    for (let i = 0; i < params.length; i++) values[i] = toWire(params[i] as SqlValue, i, typeAt, `params[${i}]`, op);
  } else {
    if (statement.kind === 'positional')
      throw sqlError('INVALID_PARAMETER', 'the statement uses positional parameters (?); pass an array', op);
    const named = params as Readonly<Record<string, SqlValue>>;
    for (let i = 0; i < statement.names.length; i++) {
      const name = statement.names[i] as string;
      if (!Object.hasOwn(named, name))
        throw sqlError('INVALID_PARAMETER', `params has no '${name}', which the statement uses (:${name})`, op);
      values[i] = toWire(named[name] as SqlValue, i, typeAt, `params.${name}`, op);
    }
  }
  return { values, types };
}

function toWire(
  value: SqlValue,
  i: number,
  typeAt: (i: number, type: number) => void,
  where: string,
  op: string,
): unknown {
  switch (typeof value) {
    case 'string':
      if (value.includes('\0'))
        throw sqlError(
          'INVALID_PARAMETER',
          `${where} contains a NUL character (U+0000), which PostgreSQL text cannot hold; bind bytes instead`,
          op,
        );
      return value;
    case 'number':
      if (Object.is(value, -0)) {
        typeAt(i, oid.float8);
        return '-0'; // String(-0) is '0'
      }
      if (!Number.isInteger(value) || value < int8Min || value >= int8Limit) typeAt(i, oid.float8);
      return String(value);
    case 'bigint':
      typeAt(i, oid.int8);
      return value.toString();
    default:
      if (value === null) return null;
      typeAt(i, oid.bytea);
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
}

function takes(statement: RewrittenStatement): string {
  return statement.count === 1 ? '1 parameter' : `${statement.count} parameters`;
}
