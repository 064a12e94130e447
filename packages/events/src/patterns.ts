import { typeFilter, type TypeFilter } from './event-statements.js';

/** Event type names: letters, digits, `.`, `_`, `-`, `:`; at most 200 characters. */
export const typeNamePattern = /^[A-Za-z0-9._:-]{1,200}$/;

/** A set of type patterns: exact names, prefixes (`Order*`) or `*`. */
export interface TypePatterns {
  readonly list: readonly string[];
  matches(type: string): boolean;
  /** The same test in SQL; `undefined` for `*`. */
  readonly filter: TypeFilter | undefined;
}

/**
 * Checks and compiles patterns. A malformed pattern is a programming mistake and throws.
 *
 * @example
 * typePatterns(['Order*', 'InvoicePaid'], 'subscribe').matches('OrderPlaced'); // true
 */
export function typePatterns(input: string | readonly string[], where: string): TypePatterns {
  const list = typeof input === 'string' ? [input] : [...input];
  if (list.length === 0) throw new TypeError(`${where}: expected at least one type pattern`);
  for (const p of list) {
    if (typeof p !== 'string' || (p !== '*' && !typeNamePattern.test(p.endsWith('*') ? p.slice(0, -1) : p))) {
      throw new TypeError(
        `${where}: type pattern ${JSON.stringify(p)} must be a type name, a prefix ending in * ('Order*') or '*'`,
      );
    }
  }
  const exact = new Set(list.filter((p) => !p.endsWith('*')));
  const prefixes = list.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return {
    list,
    matches: (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix)),
    filter: typeFilter(list),
  };
}
