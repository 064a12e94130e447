import type { SqlParams, SqlValue } from '@keel/core';
import type { PostgresType } from 'postgres';
import { sqlError } from './postgres-errors.js';
import type { RewrittenStatement } from './postgres-placeholders.js';

/** Type OIDs Keel reads or binds by name (`pg_type.oid`, fixed for built-in types). */
export const oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  jsonb: 3802,
} as const;

/**
 * The built-in array types (`pg_type` where `typcategory = 'A'`, below the first user OID).
 * postgres.js parses those it knows into JavaScript arrays; the contract has no array value, so
 * they arrive as PostgreSQL's array literal instead. The values test checks every one the
 * server has.
 */
const arrayTypes = [
  143, 199, 210, 270, 271, 272, 273, 629, 651, 719, 775, 791, 1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009,
  1010, 1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019, 1020, 1021, 1022, 1027, 1028, 1034, 1040, 1041, 1115,
  1182, 1183, 1185, 1187, 1231, 1263, 1270, 1561, 1563, 2201, 2207, 2208, 2209, 2210, 2211, 2287, 2949, 2951, 3221,
  3643, 3644, 3645, 3735, 3770, 3807, 3905, 3907, 3909, 3911, 3913, 3927, 4073, 4090, 4097, 4192, 5039, 6150, 6151,
  6152, 6153, 6155, 6157,
];

const asText = (text: string): string => text;

/**
 * How Keel reads the types whose postgres.js default is not the contract's value (given as the
 * pool's `types`, so no other pool is touched). `int2`, `int4`, `oid`, `float4` and `float8` keep
 * postgres.js' numbers; every type not listed, and every type it does not know, arrives as its
 * text, which the session settings fix (`DateStyle=ISO`, `IntervalStyle=iso_8601`, `TimeZone=UTC`):
 * lossless, never refused. `decode` reads straight from the row's bytes, without a string.
 *
 * @example
 * postgres(url, { types: valueTypes });
 */
export const valueTypes: Record<string, PostgresType> = {
  keelBool: {
    from: [oid.bool],
    parse: (text: string) => (text === 't' ? 1 : 0),
    decode: (x, start) => (x[start] === 116 ? 1 : 0),
  },
  keelBytea: { from: [oid.bytea], parse: readBytea },
  keelInt8: { from: [oid.int8], parse: readInt8, decode: decodeInt8 },
  // JSON stays its text both ways: postgres.js would parse it, and send a string as a JSON string.
  keelJson: { to: oid.json, from: [oid.json, oid.jsonb], parse: asText, serialize: asText },
  keelDate: { from: [oid.date], parse: asText },
  // `2024-01-02 03:04:05.5` → `2024-01-02T03:04:05.5`; `infinity` stays.
  keelTimestamp: { from: [oid.timestamp], parse: (text: string) => text.replace(' ', 'T') },
  // The session is in UTC, so the offset is `+00`: `2024-01-02T03:04:05.5Z`.
  keelTimestamptz: {
    from: [oid.timestamptz],
    parse: (text: string) =>
      text.endsWith('+00') ? `${text.slice(0, -3).replace(' ', 'T')}Z` : text.replace(' ', 'T'),
  },
  keelArrays: { from: arrayTypes, parse: asText },
};

/** An int8 as the contract reads integers: a `number` when exact (below 2^53), else a `bigint`. */
function readInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** `readInt8` from the row's bytes: up to 15 digits always fit a number exactly. */
function decodeInt8(x: Buffer, start: number, end: number): number | bigint {
  if (end - start > 15) return readInt8(x.toString('latin1', start, end));
  const negative = x[start] === 45; // -
  let n = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) n = n * 10 + (x[i] as number) - 48;
  return negative ? -n : n;
}

/** `bytea_output=hex`: `\x0aff` → bytes, in a plain Uint8Array of its own. */
function readBytea(text: string): Uint8Array {
  const bytes = new Uint8Array((text.length - 2) >>> 1);
  Buffer.from(bytes.buffer).write(text.slice(2), 'hex');
  return bytes;
}

/** `sql.typed` of the pool: a value sent with a type of Keel's choosing. */
export type Typed = (value: string, type: number) => unknown;

const int8Min = -(2 ** 63);
const int8Limit = 2 ** 63;

/**
 * The values sent for a rewritten statement, in `$n` order, each as PostgreSQL's text. Keel fixes
 * the type of some: `bigint` → int8, a non-integer `number` (or one outside int8, or -0) → float8,
 * `Uint8Array` → bytea. Strings, integer numbers and null go untyped, so PostgreSQL reads them as
 * whatever the statement needs (a date, a uuid, a boolean `1`). Throws `INVALID_PARAMETER` when
 * the params do not fit the statement.
 *
 * @example
 * bindParameters(rewritePlaceholders('SELECT ?'), [2n ** 40n], 'query', sql.typed); // [typed '1099511627776' as int8]
 */
export function bindParameters(
  statement: RewrittenStatement,
  params: SqlParams | undefined,
  op: string,
  typed: Typed,
): unknown[] {
  if (statement.problem !== undefined) throw sqlError('INVALID_PARAMETER', statement.problem, op);
  if (params === undefined) {
    if (statement.count === 0) return [];
    throw sqlError('INVALID_PARAMETER', `the statement takes ${takes(statement)}, but no params were given`, op);
  }
  const values: unknown[] = new Array(statement.count);
  if (Array.isArray(params)) {
    if (statement.kind === 'named')
      throw sqlError(
        'INVALID_PARAMETER',
        `the statement uses named parameters (:${statement.names[0]}); pass an object`,
        op,
      );
    if (params.length !== statement.count)
      throw sqlError('INVALID_PARAMETER', `the statement takes ${takes(statement)}, got ${params.length}`, op);
    for (let i = 0; i < params.length; i++) values[i] = toWire(params[i] as SqlValue, typed, `params[${i}]`, op);
  } else {
    if (statement.kind === 'positional')
      throw sqlError('INVALID_PARAMETER', 'the statement uses positional parameters (?); pass an array', op);
    const named = params as Readonly<Record<string, SqlValue>>;
    for (let i = 0; i < statement.names.length; i++) {
      const name = statement.names[i] as string;
      if (!Object.hasOwn(named, name))
        throw sqlError('INVALID_PARAMETER', `params has no '${name}', which the statement uses (:${name})`, op);
      values[i] = toWire(named[name] as SqlValue, typed, `params.${name}`, op);
    }
  }
  return values;
}

function toWire(value: SqlValue, typed: Typed, where: string, op: string): unknown {
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
      if (Object.is(value, -0)) return typed('-0', oid.float8); // String(-0) is '0'
      if (!Number.isInteger(value) || value < int8Min || value >= int8Limit) return typed(String(value), oid.float8);
      return String(value);
    case 'bigint':
      return typed(value.toString(), oid.int8);
    default:
      if (value === null) return null;
      return typed(`\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`, oid.bytea);
  }
}

function takes(statement: RewrittenStatement): string {
  return statement.count === 1 ? '1 parameter' : `${statement.count} parameters`;
}
