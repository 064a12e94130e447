import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { currentContext, runInContext } from '../src/index.js';

describe('runInContext / currentContext', () => {
  it('is empty outside any context', () => {
    expect(currentContext()).toEqual({});
  });

  it('follows awaits and timers, and ends with the callback', async () => {
    const seen = await runInContext({ tenantId: 't1', actor: 'u1' }, async () => {
      await sleep(1);
      await new Promise((resolve) => setImmediate(resolve));
      return currentContext();
    });
    expect(seen).toEqual({ tenantId: 't1', actor: 'u1' });
    expect(currentContext()).toEqual({});
  });

  it('lays an inner context over the outer one; undefined clears a field', () => {
    runInContext({ tenantId: 't1', actor: 'u1', correlationId: 'r1' }, () => {
      runInContext({ actor: 'system:jobs' }, () => {
        expect(currentContext()).toEqual({ tenantId: 't1', actor: 'system:jobs', correlationId: 'r1' });
      });
      runInContext({ tenantId: undefined }, () => {
        expect(currentContext().tenantId).toBeUndefined();
        expect(currentContext().actor).toBe('u1');
      });
      expect(currentContext().actor).toBe('u1');
    });
  });

  it('keeps concurrent requests apart', async () => {
    const run = (tenantId: string, pause: number) =>
      runInContext({ tenantId }, async () => {
        await sleep(pause);
        return currentContext().tenantId;
      });
    expect(await Promise.all([run('a', 5), run('b', 1), run('c', 3)])).toEqual(['a', 'b', 'c']);
  });

  it('is frozen, and refuses what is not a string', () => {
    runInContext({ tenantId: 't1' }, () => {
      expect(Object.isFrozen(currentContext())).toBe(true);
    });
    expect(() => runInContext({ tenantId: 42 as unknown as string }, () => 0)).toThrow(
      /context\.tenantId must be a string/,
    );
    expect(() => runInContext(null as unknown as object, () => 0)).toThrow(TypeError);
  });
});
