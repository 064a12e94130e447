import * as v from 'valibot';

/** A flag's value: what OpenFeature calls a flag value (booleans, strings, numbers, JSON objects). */
export type FlagValue = boolean | string | number | { readonly [key: string]: unknown } | readonly unknown[];
export type FlagType = 'boolean' | 'string' | 'number' | 'object';

const attribute = v.pipe(v.string(), v.minLength(1), v.maxLength(100));
const scalar = v.union([v.string(), v.number(), v.boolean()]);

/** One condition on the evaluation context: `{ attribute: 'plan', op: 'in', value: ['pro', 'team'] }`. */
const condition = v.strictObject({
  attribute,
  op: v.picklist(['eq', 'neq', 'in', 'notIn', 'startsWith', 'endsWith', 'gt', 'gte', 'lt', 'lte']),
  value: v.union([scalar, v.array(scalar)]),
});

const jsonValue = v.union([
  v.boolean(),
  v.string(),
  v.pipe(v.number(), v.finite()),
  v.record(v.string(), v.unknown()),
  v.array(v.unknown()),
]);

/**
 * A flag, as data (from config or kv), declared once: `type` and `default`, an on/off kill
 * switch (off serves `offValue`: `false` for a boolean flag unless given, else `default`), targeting rules (the first whose conditions all hold wins) and a percentage rollout for
 * everyone else, by a stable hash of `by` (the context's `targetingKey` unless named).
 */
export const flagDefinition = v.pipe(
  v.strictObject({
    type: v.picklist(['boolean', 'string', 'number', 'object']),
    default: jsonValue,
    enabled: v.optional(v.boolean(), true),
    offValue: v.optional(jsonValue),
    description: v.optional(v.pipe(v.string(), v.maxLength(500))),
    rules: v.optional(
      v.pipe(
        v.array(
          v.strictObject({ when: v.pipe(v.array(condition), v.minLength(1), v.maxLength(20)), value: jsonValue }),
        ),
        v.maxLength(100),
      ),
      [],
    ),
    rollout: v.optional(
      v.strictObject({
        percent: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
        value: jsonValue,
        by: v.optional(attribute, 'targetingKey'),
      }),
    ),
  }),
  v.check(
    (f) =>
      [f.default, ...f.rules.map((r) => r.value), ...(f.rollout ? [f.rollout.value] : [])].every(
        (x) => typeOf(x) === f.type,
      ),
    'every value (default, offValue, rules, rollout) must be of the flag’s type',
  ),
);

export type FlagDefinitionInput = v.InferInput<typeof flagDefinition>;
export type FlagDefinition = v.InferOutput<typeof flagDefinition>;

export function typeOf(value: unknown): FlagType | undefined {
  if (typeof value === 'boolean' || typeof value === 'string') return typeof value as FlagType;
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : undefined;
  if (typeof value === 'object' && value !== null) return 'object';
  return undefined;
}
