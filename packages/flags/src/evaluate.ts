import type { FlagDefinition, FlagValue } from './flag-definition.js';

/** What an evaluation context may carry: OpenFeature's, a flat record of attributes. */
export type FlagContext = { readonly targetingKey?: string } & Readonly<Record<string, unknown>>;

/** How a flag resolved, in OpenFeature's reasons. */
export interface FlagResolution {
  readonly value: FlagValue;
  /** `default`, `rule-<n>` or `rollout`. */
  readonly variant: string;
  readonly reason: 'STATIC' | 'DISABLED' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT';
}

/**
 * Evaluates a flag for a context: off → its `offValue` (`DISABLED`); the first rule whose conditions
 * all hold (`TARGETING_MATCH`); the rollout's value for keys in its share (`SPLIT`); else the
 * default (`DEFAULT`, or `STATIC` when the flag has neither rules nor rollout). Pure and
 * allocation-free on the common path.
 */
export function evaluateFlag(key: string, flag: FlagDefinition, context: FlagContext): FlagResolution {
  if (!flag.enabled) return { value: offValue(flag), variant: 'off', reason: 'DISABLED' };
  for (let i = 0; i < flag.rules.length; i++) {
    const rule = flag.rules[i] as FlagDefinition['rules'][number];
    if (rule.when.every((c) => holds(context[c.attribute], c.op, c.value)))
      return { value: rule.value as FlagValue, variant: `rule-${i}`, reason: 'TARGETING_MATCH' };
  }
  const { rollout } = flag;
  if (rollout) {
    const by = context[rollout.by];
    if ((typeof by === 'string' || typeof by === 'number') && bucket(key, String(by)) < rollout.percent * 100)
      return { value: rollout.value as FlagValue, variant: 'rollout', reason: 'SPLIT' };
    return { value: flag.default as FlagValue, variant: 'default', reason: 'DEFAULT' };
  }
  return { value: flag.default as FlagValue, variant: 'default', reason: flag.rules.length > 0 ? 'DEFAULT' : 'STATIC' };
}

/** What a flag that is off serves: its `offValue`, else `false` for a boolean (a feature off), else its default. */
function offValue(flag: FlagDefinition): FlagValue {
  if (flag.offValue !== undefined) return flag.offValue as FlagValue;
  return flag.type === 'boolean' ? false : (flag.default as FlagValue);
}

type Op = FlagDefinition['rules'][number]['when'][number]['op'];
type Scalar = string | number | boolean;

function holds(actual: unknown, op: Op, expected: Scalar | Scalar[]): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && expected.includes(actual as Scalar);
    case 'notIn':
      return Array.isArray(expected) && !expected.includes(actual as Scalar);
    case 'startsWith':
      return typeof actual === 'string' && typeof expected === 'string' && actual.startsWith(expected);
    case 'endsWith':
      return typeof actual === 'string' && typeof expected === 'string' && actual.endsWith(expected);
    default:
      return typeof actual === 'number' && typeof expected === 'number' && compare(op, actual, expected);
  }
}

function compare(op: 'gt' | 'gte' | 'lt' | 'lte', a: number, b: number): boolean {
  return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
}

/**
 * A key's place in a flag's rollout, 0–9999: FNV-1a over the flag's key and the bucketing value,
 * so it is stable across processes and machines, differs between flags, and a larger share only
 * adds keys. Not cryptographic: nobody gains by predicting it.
 */
export function bucket(flag: string, value: string): number {
  let h = 0x811c9dc5;
  for (const text of [flag, '\u0000', value])
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  // murmur3's finaliser: FNV's low bits alone spread poorly over consecutive keys.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 10_000;
}
