import * as v from 'valibot';
import { type Clock, systemClock } from '../lifecycle/clock.js';

/**
 * Building blocks for adapter options, on valibot. Each carries the message Keel prints
 * (`expected an integer from 1 to 2147483647`), so that every adapter words its problems alike;
 * `option()` adds the default and the description the README's options table is made from.
 *
 * @example
 * const memoryKvOptions = v.strictObject({
 *   sweepIntervalMs: option(integer(1, maxTimerMs), { default: 1000, description: 'How often…' }),
 * });
 */

/** The longest delay a Node timer takes. */
export const maxTimerMs = 2 ** 31 - 1;

export function integer(min: number, max: number) {
  const message = `expected an integer from ${min} to ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

export function string(message = 'expected a string') {
  return v.string(message);
}

/** A string that must not be empty. */
export function text(message = 'expected a non-empty string') {
  return v.pipe(v.string(message), v.minLength(1, message));
}

export function boolean() {
  return v.boolean('expected true or false');
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return v.picklist(values, `expected one of ${values.map((x) => `'${x}'`).join(', ')}`);
}

/** A value checked by a predicate (a function, an object with methods); `type` names it in messages and docs. */
export function shaped<T>(type: string, check: (value: unknown) => boolean) {
  return v.pipe(v.custom<T>(check, `expected ${type}`), v.metadata({ type }));
}

/** A function value. */
export function fn<T extends (...args: never[]) => unknown>(type = 'a function') {
  return shaped<T>(type, (value) => typeof value === 'function');
}

/** An object with the given methods (a clock, a hasher, an adapter instance). */
export function withMethods<T>(type: string, methods: readonly string[]) {
  return shaped<T>(
    type,
    // A function with the methods counts too: `keel.sql` is a callable accessor.
    (value) =>
      (typeof value === 'object' || typeof value === 'function') &&
      value !== null &&
      methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
  );
}

/**
 * An option: optional with a default (or none), described for the README's options table.
 * A required option is `required(schema, description)`.
 */
export function option<S extends v.GenericSchema, const D extends v.InferInput<S> | undefined = undefined>(
  schema: S,
  meta: { readonly default?: D; readonly description: string; readonly defaultText?: string },
) {
  // valibot calls a function default to get the value, so a function is handed over wrapped.
  const fallback = typeof meta.default === 'function' ? () => meta.default : meta.default;
  const wrapped = v.optional(schema, fallback as D);
  return v.pipe(wrapped, v.description(meta.description), v.metadata({ defaultText: meta.defaultText }));
}

export function required<S extends v.GenericSchema>(schema: S, description: string) {
  return v.pipe(schema, v.description(description));
}

/**
 * The `clock` option adapters take: where time comes from (tests pass `ManualClock` from
 * `@keel/testing`), the system clock by default.
 */
export function clockOption(description = 'Where time comes from; tests pass `ManualClock` from `@keel/testing`.') {
  return option(withMethods<Clock>('a clock ({ now(): number })', ['now']), {
    default: systemClock,
    defaultText: 'the system clock',
    description,
  });
}

/** A number (not only an integer) from `min` to `max`. */
export function number(min: number, max: number) {
  const message = `expected a number from ${min} to ${max}`;
  return v.pipe(v.number(message), v.finite(message), v.minValue(min, message), v.maxValue(max, message));
}

type Group = v.GenericSchema<object, object>;

/**
 * An options group that `false` switches off (`retry: false`). `v.union([v.literal(false), group])`
 * would turn any mistake inside the group into one "expected false or an object" at the group;
 * this keeps each mistake at its own path (`retry.maxAttempt: … did you mean 'maxAttempts'?`),
 * and the README table still lists the group's fields.
 */
export function orFalse<S extends Group>(group: S) {
  type Dataset = Parameters<S['~run']>[0];
  const neither = v.custom<never>(() => false, 'expected false or an object');
  const run = (dataset: Dataset, config: Parameters<S['~run']>[1]) => {
    if (dataset.value === false) return { typed: true, value: false };
    const isObject = typeof dataset.value === 'object' && dataset.value !== null && !Array.isArray(dataset.value);
    return isObject ? group['~run'](dataset, config) : neither['~run'](dataset, config);
  };
  const schema = {
    ...group,
    '~run': run,
    '~standard': { ...group['~standard'], validate: (value: unknown) => run({ value }, v.getGlobalConfig()) },
  };
  const disableable = schema as unknown as Omit<S, '~run' | '~standard' | '~types'> &
    v.BaseSchema<v.InferInput<S> | false, v.InferOutput<S> | false, v.InferIssue<S>>;
  return v.pipe(disableable, v.metadata({ type: 'false | object' }));
}

/**
 * An array whose TypeScript type is `readonly T[]`, so that apps can pass `as const` lists and
 * frozen arrays. Valibot's `v.array` types its input as a mutable array; the schema is the same
 * at run time (its type name, items and messages are valibot's), only its declared type differs.
 *
 * @example
 * const scopes = readonlyArray(text(), 'expected an array of scope names');
 */
export function readonlyArray<S extends v.GenericSchema>(item: S, message: string) {
  return v.array(item, message) as unknown as v.GenericSchema<
    readonly v.InferInput<S>[],
    readonly v.InferOutput<S>[],
    v.ArrayIssue | v.InferIssue<S>
  >;
}
