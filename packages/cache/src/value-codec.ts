/**
 * Cached values as JSON text, extended so that what JSON would change comes back exactly:
 * `bigint`, `Uint8Array`, `Date`, `NaN`/`±Infinity`/`-0` and `undefined` array items become
 * one-key objects (`{"$n":"12"}`), and object keys that start with `$` get one more `$`.
 * `undefined` object properties are dropped, as `JSON.stringify` drops them. Anything else that is
 * not plain data (functions, symbols, `Map`, class instances, cycles) is refused with its path.
 */

/** A value encoded: `typed` says whether decoding needs the tag reviver (most values do not). */
export interface EncodedValue {
  readonly text: string;
  readonly typed: boolean;
}

/** Why a value cannot be cached, with the path to the part at fault (`value.items[2]`). */
export class NotEncodable extends Error {}

const TAGS = new Set(['$n', '$f', '$d', '$b', '$u']);
const UNDEFINED_ITEM = Symbol('undefined item');

/** Encodes `value`, or throws `NotEncodable`. */
export function encodeValue(value: unknown): EncodedValue {
  let typed = false;
  function replacer(this: Record<string, unknown>, key: string, converted: unknown): unknown {
    const raw = this[key];
    switch (typeof raw) {
      case 'bigint':
        typed = true;
        return { $n: raw.toString() };
      case 'number':
        if (Number.isFinite(raw) && !Object.is(raw, -0)) return raw;
        typed = true;
        return { $f: String(Object.is(raw, -0) ? '-0' : raw) };
      case 'undefined':
        if (!Array.isArray(this)) return undefined;
        typed = true;
        return { $u: 0 };
      case 'object': {
        if (raw === null || Array.isArray(raw)) return raw;
        if (raw instanceof Date) {
          if (Number.isNaN(raw.getTime())) throw new NotEncodable('an invalid Date');
          typed = true;
          return { $d: raw.getTime() };
        }
        if (raw instanceof Uint8Array) {
          typed = true;
          return { $b: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
        }
        if (!isPlainObject(raw)) throw new NotEncodable('not plain data');
        const escaped = escapeKeys(raw);
        if (escaped !== raw) typed = true;
        return escaped;
      }
      case 'string':
      case 'boolean':
        return converted;
      default:
        throw new NotEncodable('not plain data');
    }
  }
  if (value === undefined) throw new TypeError('encodeValue: undefined is absence, not a value');
  try {
    return { text: JSON.stringify(value, replacer) as string, typed };
  } catch (error) {
    throw new NotEncodable(`${describeProblem(value) ?? (error as Error).message}`);
  }
}

/** Decodes what `encodeValue` wrote. */
export function decodeValue(text: string, typed: boolean): unknown {
  return typed ? JSON.parse(text, reviver) : JSON.parse(text);
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (value[i] === UNDEFINED_ITEM) value[i] = undefined;
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const only = keys.length === 1 ? (keys[0] as string) : undefined;
  if (only !== undefined && TAGS.has(only)) return untag(only, record[only]);
  if (!keys.some((k) => k.charCodeAt(0) === 36)) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys) define(out, k.charCodeAt(0) === 36 ? k.slice(1) : k, record[k]);
  return out;
}

function untag(tag: string, payload: unknown): unknown {
  switch (tag) {
    case '$n':
      return BigInt(payload as string);
    case '$f':
      return Number(payload as string);
    case '$d':
      return new Date(payload as number);
    case '$b':
      return new Uint8Array(Buffer.from(payload as string, 'base64'));
    default:
      return UNDEFINED_ITEM;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** The object itself when no key starts with `$`, else a copy whose `$` keys have one more `$`. */
function escapeKeys(object: object): object {
  let out: Record<string, unknown> | undefined;
  for (const k in object) {
    if (k.charCodeAt(0) !== 36) continue;
    out = {};
    break;
  }
  if (out === undefined) return object;
  for (const [k, v] of Object.entries(object)) define(out, k.charCodeAt(0) === 36 ? `$${k}` : k, v);
  return out;
}

/** Sets an own property, so that a key such as `__proto__` stays data. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Finds the first part of `value` that cannot be encoded (slow; only after a failure). */
function describeProblem(value: unknown, path = 'value', seen = new Set<object>()): string | undefined {
  if (typeof value === 'function') return `${path} is a function`;
  if (typeof value === 'symbol') return `${path} is a symbol`;
  if (value === null || typeof value !== 'object') return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? `${path} is an invalid Date` : undefined;
  if (value instanceof Uint8Array) return undefined;
  if (seen.has(value)) return `${path} refers back to an enclosing object (a cycle)`;
  if (!Array.isArray(value) && !isPlainObject(value)) {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return `${path} is ${name ? `a ${name}` : 'not plain data'} (only plain objects, arrays, strings, numbers, booleans, null, bigint, Uint8Array and Date are cached)`;
  }
  seen.add(value);
  const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const inner = describeProblem(v, Array.isArray(value) ? `${path}${k}` : `${path}.${k}`, seen);
    if (inner) return inner;
  }
  seen.delete(value);
  return undefined;
}
