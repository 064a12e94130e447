import { describeValue } from '../errors/describe-value.js';

/**
 * A bad adapter option: thrown by an adapter factory, turned by core into a config error with
 * the full path (`kv.options.location: expected a string, got 42`).
 */
export class KeelOptionsError extends TypeError {
  override readonly name = 'KeelOptionsError';
  constructor(
    /** The option's path inside the options object (`location`, `limits.maxKeyBytes`). */
    readonly path: string,
    readonly problem: string,
    factory: string,
  ) {
    super(`${factory}: ${path}: ${problem}`);
  }
}

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
    throw new KeelOptionsError(prefix || '(options)', `expected an object, got ${describeValue(options)}`, factory);
  }
  const record = options as Record<string, unknown>;
  const seen = new Set<string>();
  const fail = (field: string, problem: string): never => {
    throw new KeelOptionsError(prefix + field, problem, factory);
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

/** The known name within two edits of `name`, for "did you mean" hints. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
