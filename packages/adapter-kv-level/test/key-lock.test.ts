import { describe, expect, it } from 'vitest';
import { KeyLock } from '../src/key-lock.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyLock', () => {
  it('runs one holder per key at a time, first come first served', async () => {
    const locks = new KeyLock();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      locks.run('k', job('a')),
      locks.run('k', job('b')),
      locks.run('other', job('x')),
      locks.run('k', job('c')),
    ]);
    expect(results).toEqual(['a', 'b', 'x', 'c']);
    // On 'k' each job ends before the next starts; 'other' overlaps freely.
    const onK = log.filter((line) => !line.endsWith('x'));
    expect(onK).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(log.indexOf('start x')).toBeLessThan(log.indexOf('end a'));
    expect(locks.size).toBe(0);
  });

  it('takes a free key synchronously', () => {
    const locks = new KeyLock();
    let ran = false;
    void locks.run('k', () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('releases the key when the holder throws or rejects', async () => {
    const locks = new KeyLock();
    await expect(
      locks.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(locks.run('k', () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(await locks.run('k', () => 'free again')).toBe('free again');
    expect(locks.size).toBe(0);
  });

  it('never deadlocks multi-key holders that ask in different orders', async () => {
    const locks = new KeyLock();
    let inside = 0;
    let most = 0;
    const hold = async () => {
      inside++;
      most = Math.max(most, inside);
      await tick();
      inside--;
    };
    // Hold 'b' so that both multi-key calls have to wait and queue one key at a time.
    const blocker = locks.run('b', () => tick());
    const calls = [
      locks.runAll(['a', 'b', 'c'], hold),
      locks.runAll(['c', 'b', 'a'], hold),
      locks.runAll(['b', 'a'], hold),
      locks.run('a', hold),
    ];
    await Promise.all([blocker, ...calls]);
    // They all share 'a', so they ran one at a time.
    expect(most).toBe(1);
    expect(locks.size).toBe(0);
  });

  it('lets tryAcquire take only a free key', () => {
    const locks = new KeyLock();
    expect(locks.tryAcquire('k')).toBe(true);
    expect(locks.tryAcquire('k')).toBe(false);
    locks.release('k');
    expect(locks.tryAcquire('k')).toBe(true);
    locks.release('k');
    expect(locks.size).toBe(0);
  });
});
