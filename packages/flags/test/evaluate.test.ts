import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { type FlagDefinitionInput, evaluateFlag, flagDefinition } from '../src/index.js';

const define = (input: FlagDefinitionInput) => v.parse(flagDefinition, input);

describe('evaluating a flag', () => {
  const plan = define({
    type: 'string',
    default: 'basic',
    rules: [
      { when: [{ attribute: 'tenant', op: 'in', value: ['acme', 'globex'] }], value: 'enterprise' },
      {
        when: [
          { attribute: 'email', op: 'endsWith', value: '@keel.dev' },
          { attribute: 'seats', op: 'gte', value: 10 },
        ],
        value: 'staff',
      },
    ],
    rollout: { percent: 25, value: 'beta' },
  });

  it('the first rule whose conditions all hold wins; then the rollout; then the default', () => {
    expect(evaluateFlag('plan', plan, { tenant: 'acme' })).toMatchObject({
      value: 'enterprise',
      reason: 'TARGETING_MATCH',
      variant: 'rule-0',
    });
    expect(evaluateFlag('plan', plan, { email: 'a@keel.dev', seats: 12 })).toMatchObject({
      value: 'staff',
      variant: 'rule-1',
    });
    expect(evaluateFlag('plan', plan, { email: 'a@keel.dev', seats: 9 }).reason).not.toBe('TARGETING_MATCH');
    expect(evaluateFlag('plan', plan, {})).toMatchObject({ value: 'basic', reason: 'DEFAULT' });
    expect(evaluateFlag('plan', define({ type: 'boolean', default: true }), {})).toMatchObject({ reason: 'STATIC' });
  });

  it('a kill switch gives everyone the default', () => {
    expect(evaluateFlag('plan', { ...plan, enabled: false }, { tenant: 'acme' })).toMatchObject({
      value: 'basic',
      reason: 'DISABLED',
    });
  });

  it('a rollout takes its share of keys, stably, and a larger share only adds keys', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const share = (percent: number) => {
      const flag = define({ type: 'boolean', default: false, rollout: { percent, value: true } });
      return new Set(keys.filter((k) => evaluateFlag('new-editor', flag, { targetingKey: k }).value === true));
    };
    const ten = share(10);
    const thirty = share(30);
    expect(ten.size / keys.length).toBeGreaterThan(0.085);
    expect(ten.size / keys.length).toBeLessThan(0.115);
    expect(thirty.size / keys.length).toBeGreaterThan(0.28);
    expect(thirty.size / keys.length).toBeLessThan(0.32);
    for (const k of ten) expect(thirty.has(k)).toBe(true);
    expect(share(10)).toEqual(ten);
    expect(share(0).size).toBe(0);
    expect(share(100).size).toBe(keys.length);
  });

  it('rolls out by another attribute when asked (a whole tenant at once)', () => {
    const flag = define({ type: 'boolean', default: false, rollout: { percent: 50, value: true, by: 'tenant' } });
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (tenant, a, b) => {
        const one = evaluateFlag('f', flag, { tenant, targetingKey: a }).value;
        expect(evaluateFlag('f', flag, { tenant, targetingKey: b }).value).toBe(one);
      }),
    );
    expect(evaluateFlag('f', flag, { targetingKey: 'no-tenant' }).value).toBe(false);
  });

  it('definitions are checked: every value of the flag’s type, known operators, shares from 0 to 100', () => {
    const bad: unknown[] = [
      { type: 'boolean', default: 'yes' },
      { type: 'number', default: 1, rules: [{ when: [{ attribute: 'a', op: 'eq', value: 1 }], value: 'x' }] },
      { type: 'string', default: 'a', rules: [{ when: [{ attribute: 'a', op: 'like', value: 'x' }], value: 'b' }] },
      { type: 'boolean', default: false, rollout: { percent: 101, value: true } },
      { type: 'boolean', default: false, extra: 1 },
      { type: 'number', default: Number.NaN },
    ];
    for (const input of bad) expect(v.safeParse(flagDefinition, input).success, JSON.stringify(input)).toBe(false);
  });
});
