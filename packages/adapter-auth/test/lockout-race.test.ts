// Issue 13, item 8: a burst of parallel sign-ins must not get more password checks than the
// limit. The failure used to be counted after argon2 finished, so 40 attempts at once against a
// limit of 5 all ran, and the right password, last, got in. Here the attempts run on the real kv
// adapters (memory and LevelDB), and a gate holds every password check until the test lets go.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLevelKv } from '@keel/adapter-kv-level';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import type { AuthError, Kv } from '@keel/core';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { PasswordHasher } from '../src/index.js';
import { countingHasher, createFixture, disposeFixtures } from './support/fixture.js';

const cleanups: (() => void)[] = [];
afterAll(async () => {
  await disposeFixtures();
  for (const cleanup of cleanups) cleanup();
});

const kvs: Record<string, (clock: ManualClock) => Kv> = {
  memory: (clock) => createMemoryKv({ clock }),
  level: (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-auth-kv-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return createLevelKv({ location: join(dir, 'kv'), clock });
  },
};

const RIGHT = 'the right passphrase 1';
const WRONG = 'a wrong passphrase 1';

/**
 * A hasher whose checks wait until `release()`: while they wait, every other attempt has to be
 * decided, which is where counting after the check let them all through. `progress` resolves
 * when the number of attempts that either settled or reached a check is `n`.
 */
function gatedHasher() {
  const inner = countingHasher();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let settled = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const step = () => {
    for (const w of waiters.filter((w) => settled + inner.calls.verify >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const hasher: PasswordHasher = {
    hash: (password) => inner.hash(password),
    needsRehash: (hashed) => inner.needsRehash(hashed),
    async verify(hashed, password) {
      const checking = inner.verify(hashed, password);
      step();
      await gate;
      return checking;
    },
  };
  return {
    hasher,
    checks: () => inner.calls.verify,
    release,
    /** Tracks an attempt's outcome. */
    track<T>(pending: PromiseLike<T>): Promise<T> {
      return Promise.resolve(pending).then((value) => {
        settled++;
        step();
        return value;
      });
    },
    progress: (n: number) => new Promise<void>((resolve) => (waiters.push({ n, resolve }), step())),
  };
}

const codes = (results: readonly { isErr(): boolean; error?: unknown }[]) =>
  results.map((r) => (r.isErr() ? (r.error as AuthError).code : 'OK')).sort();

const tally = (list: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const code of list) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
};

describe.each(Object.keys(kvs))('sign-in limits under concurrency (kv: %s)', (kind) => {
  const setup = async (bruteForce: object = {}) => {
    const clock = new ManualClock();
    const gated = gatedHasher();
    const f = await createFixture({ clock, kv: kvs[kind]?.(clock), hasher: gated.hasher, bruteForce });
    expectOk(await f.auth.open());
    return { f, gated };
  };

  it('runs maxFailuresPerAccount checks for 99 parallel wrong passwords, then refuses the right one', async () => {
    const { f, gated } = await setup({ maxFailuresPerAccount: 5, lockoutMs: 60_000 });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: RIGHT }));
    const login = (password: string) => gated.track(f.auth.login({ email: 'ada@example.com', password }));
    const wrong = Array.from({ length: 99 }, () => login(WRONG));
    // Every wrong attempt is now either decided or inside a (held) password check.
    await gated.progress(99);
    const right = login(RIGHT);
    await gated.progress(100);
    gated.release();
    const outcomes = await Promise.all(wrong);

    expect(gated.checks()).toBe(5);
    expect(tally(codes(outcomes))).toEqual({ INVALID_CREDENTIALS: 5, ACCOUNT_LOCKED: 94 });
    const refused = expectErr(await right, 'ACCOUNT_LOCKED');
    expect(refused.lockedUntil).toBe(f.clock.now() + 60_000);

    // Attempts refused without a check are not failures: the next lockout is the second one (2×), not the cap.
    f.clock.advance(60_000);
    expectErr(await f.auth.login({ email: 'ada@example.com', password: WRONG }), 'INVALID_CREDENTIALS');
    const next = expectErr(await f.auth.login({ email: 'ada@example.com', password: RIGHT }), 'ACCOUNT_LOCKED');
    expect((next.lockedUntil as number) - f.clock.now()).toBe(120_000);
    expect(gated.checks()).toBe(6);
  });

  it('runs at most maxFailuresPerAccount checks when 100 attempts arrive at once, the right one last', async () => {
    const { f, gated } = await setup({ maxFailuresPerAccount: 5 });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: RIGHT }));
    gated.release();
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        f.auth.login({ email: 'ada@example.com', password: i === 99 ? RIGHT : WRONG }, { ip: '203.0.113.9' }),
      ),
    );
    const counted = tally(codes(outcomes));
    expect(gated.checks()).toBeLessThanOrEqual(5);
    // Every attempt either had its password checked or was refused without a check.
    expect((counted.INVALID_CREDENTIALS ?? 0) + (counted.OK ?? 0)).toBe(gated.checks());
    expect((counted.ACCOUNT_LOCKED ?? 0) + (counted.RATE_LIMITED ?? 0) + gated.checks()).toBe(100);
  });

  it('holds the per-IP limit across accounts: 100 parallel attempts from one address', async () => {
    const { f, gated } = await setup({ maxFailuresPerAccount: 5, maxFailuresPerIp: 10 });
    const attempts = Array.from({ length: 100 }, (_, n) =>
      gated.track(f.auth.login({ email: `user${n}@example.com`, password: WRONG }, { ip: '2001:db8::7' })),
    );
    await gated.progress(100);
    gated.release();
    expect(tally(codes(await Promise.all(attempts)))).toEqual({ INVALID_CREDENTIALS: 10, RATE_LIMITED: 90 });
    expect(gated.checks()).toBe(10);
  });

  it('gives a successful sign-in its IP attempt back, and changePassword never locks its own account', async () => {
    const { f, gated } = await setup({ maxFailuresPerAccount: 3, maxFailuresPerIp: 3 });
    gated.release();
    expectOk(await f.auth.register({ email: 'ada@example.com', password: RIGHT }));
    const ip = { ip: '198.51.100.4' };
    for (let n = 0; n < 2; n++)
      expectErr(await f.auth.login({ email: `x${n}@example.com`, password: WRONG }, ip), 'INVALID_CREDENTIALS');
    // Right passwords from the address count nothing against it…
    let session = expectOk(await f.auth.login({ email: 'ada@example.com', password: RIGHT }, ip));
    for (let n = 0; n < 4; n++)
      session = expectOk(await f.auth.login({ email: 'ada@example.com', password: RIGHT }, ip));
    // …so its third failure is the one that reaches the limit.
    expectErr(await f.auth.login({ email: 'x9@example.com', password: WRONG }, ip), 'INVALID_CREDENTIALS');
    expectErr(await f.auth.login({ email: 'ada@example.com', password: RIGHT }, ip), 'RATE_LIMITED');
    // Proving the password clears the account's count, as a sign-in does.
    let password = RIGHT;
    for (let n = 0; n < 5; n++) {
      const next = `${RIGHT} changed ${n}`;
      session = expectOk(await f.auth.changePassword(session.token, password, next));
      password = next;
    }
    expectOk(await f.auth.login({ email: 'ada@example.com', password }));
  });
});
