import { describeValue } from '../errors/describe-value.js';
import { closest } from '../options/closest.js';
import { KeelOptionsError } from '../options/parse-options.js';

/**
 * Reads an adapter's options with one clear message per mistake; unknown fields are refused
 * with a suggestion. Each method takes the field name and its default.
 *
 * @example
 * const o = readOptions('createLevelKv', options);
 * const location = o.string('location');           // required
 * const sync = o.boolean('sync', false);
 * o.done();                                         // throws on unknown fields
 */
export function readOptions(factory: string, options: unknown, prefix = '') {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new KeelOptionsError(factory, [
      { path: prefix || '(options)', problem: `expected an object, got ${describeValue(options)}` },
    ]);
  }
  const record = options as Record<string, unknown>;
  const seen = new Set<string>();
  const fail = (field: string, problem: string): never => {
    throw new KeelOptionsError(factory, [{ path: prefix + field, problem }]);
  };
  const take = (field: string): unknown => {
    seen.add(field);
    return record[field];
  };
  const required = (field: string, what: string): never => fail(field, `is required (${what})`);

  return {
    string(field: string, fallback?: string): string {
      const v = take(field);
      if (v === undefined) return fallback ?? required(field, 'a string');
      return typeof v === 'string' ? v : fail(field, `expected a string, got ${describeValue(v)}`);
    },
    optionalString(field: string): string | undefined {
      const v = take(field);
      return v === undefined || typeof v === 'string' ? v : fail(field, `expected a string, got ${describeValue(v)}`);
    },
    boolean(field: string, fallback: boolean): boolean {
      const v = take(field);
      if (v === undefined) return fallback;
      return typeof v === 'boolean' ? v : fail(field, `expected true or false, got ${describeValue(v)}`);
    },
    integer(field: string, fallback: number, range: { min?: number; max?: number } = {}): number {
      const v = take(field);
      if (v === undefined) return fallback;
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        return fail(field, `expected an integer from ${min} to ${max}, got ${describeValue(v)}`);
      }
      return v;
    },
    oneOf<const T extends string>(field: string, allowed: readonly T[], fallback: T): T {
      const v = take(field);
      if (v === undefined) return fallback;
      return allowed.includes(v as T)
        ? (v as T)
        : fail(field, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(v)}`);
    },
    /** A value the adapter checks itself (objects, functions). */
    raw(field: string): unknown {
      return take(field);
    },
    /** A nested options object, read with the same rules. */
    nested(field: string) {
      return readOptions(factory, take(field), `${prefix}${field}.`);
    },
    /** Throws on any field that was not read. Call last. */
    done(): void {
      for (const field of Object.keys(record)) {
        if (seen.has(field) || record[field] === undefined) continue;
        const hint = closest(field, [...seen]);
        fail(
          field,
          `is not an option${hint ? `; did you mean '${hint}'?` : ''} (known: ${[...seen].join(', ') || 'none'})`,
        );
      }
    },
  };
}

export type OptionsReader = ReturnType<typeof readOptions>;
