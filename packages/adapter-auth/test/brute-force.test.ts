import { expectErr, expectOk } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ipBucket } from '../src/brute-force.js';
import { createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

const bruteForce = {
  maxFailuresPerAccount: 3,
  maxFailuresPerIp: 10,
  windowMs: 10 * 60_000,
  lockoutMs: 60_000,
  maxLockoutMs: 5 * 60_000,
  maxRequestsPerIp: 4,
  maxEmailsPerAccount: 2,
};

describe('brute-force limits', () => {
  it('locks an account with a backoff that doubles up to the cap, and a success clears it', async () => {
    const f = await createFixture({ bruteForce });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'the right passphrase 1' }));
    const fail = () => f.auth.login({ email: 'ada@example.com', password: 'a wrong passphrase 1' });
    for (let i = 0; i < 2; i++) expectErr(await fail(), 'INVALID_CREDENTIALS');
    const lockouts: number[] = [];
    for (let round = 0; round < 5; round++) {
      expectErr(await fail(), 'INVALID_CREDENTIALS');
      const locked = expectErr(await fail(), 'ACCOUNT_LOCKED');
      lockouts.push((locked.lockedUntil as number) - f.clock.now());
      // Even the right password waits for the lockout to end.
      expectErr(await f.auth.login({ email: 'ada@example.com', password: 'the right passphrase 1' }), 'ACCOUNT_LOCKED');
      f.clock.advance((locked.lockedUntil as number) - f.clock.now());
    }
    expect(lockouts).toEqual([60_000, 120_000, 240_000, 300_000, 300_000]);
    expectOk(await f.auth.login({ email: 'ada@example.com', password: 'the right passphrase 1' }));
    // Cleared: three more failures before the next lockout, which starts again at a minute.
    for (let i = 0; i < 3; i++) expectErr(await fail(), 'INVALID_CREDENTIALS');
    expect((expectErr(await fail(), 'ACCOUNT_LOCKED').lockedUntil as number) - f.clock.now()).toBe(60_000);
  });

  it('forgets failures a window after the last one', async () => {
    const f = await createFixture({ bruteForce });
    const fail = () => f.auth.login({ email: 'x@example.com', password: 'a wrong passphrase 1' });
    for (let i = 0; i < 2; i++) expectErr(await fail(), 'INVALID_CREDENTIALS');
    f.clock.advance(bruteForce.windowMs + 1);
    for (let i = 0; i < 3; i++) expectErr(await fail(), 'INVALID_CREDENTIALS');
    expectErr(await fail(), 'ACCOUNT_LOCKED');
  });

  it('limits failures per IP across accounts, IPv6 per /64', async () => {
    const f = await createFixture({ bruteForce });
    const fromIp = (ip: string, n: number) =>
      f.auth.login({ email: `user${n}@example.com`, password: 'a wrong passphrase 1' }, { ip });
    for (let n = 0; n < 10; n++) expectErr(await fromIp(`2001:db8:1:2::${n.toString(16)}`, n), 'INVALID_CREDENTIALS');
    const limited = expectErr(await fromIp('2001:db8:1:2:ffff::1', 99), 'RATE_LIMITED');
    expect(limited.retryAfterMs).toBe(bruteForce.lockoutMs);
    expectErr(await fromIp('2001:db8:1:3::1', 100), 'INVALID_CREDENTIALS');
    expectErr(await fromIp('198.51.100.1', 101), 'INVALID_CREDENTIALS');
  });

  it('limits registrations per IP, and reset emails per account known or not', async () => {
    const f = await createFixture({ bruteForce });
    for (let n = 0; n < 4; n++)
      expectOk(
        await f.auth.register({ email: `r${n}@example.com`, password: 'lantern harbor violet 9' }, { ip: '192.0.2.1' }),
      );
    const limited = expectErr(
      await f.auth.register({ email: 'r9@example.com', password: 'lantern harbor violet 9' }, { ip: '192.0.2.1' }),
      'RATE_LIMITED',
    );
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    for (const email of ['r0@example.com', 'nobody@example.com']) {
      expectOk(await f.auth.requestPasswordReset(email));
      expectOk(await f.auth.requestPasswordReset(email));
      expectErr(await f.auth.requestPasswordReset(email), 'RATE_LIMITED');
    }
  });

  it('buckets addresses: IPv4 as is, IPv6 by /64, mapped IPv4 as IPv4', () => {
    expect(ipBucket('203.0.113.5')).toBe('203.0.113.5');
    expect(ipBucket('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(ipBucket('2001:DB8:0:0:1::1')).toBe('2001:db8:0:0::/64');
    expect(ipBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 8, maxLength: 8 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        (address, host) => {
          const sameNetwork = [...address.slice(0, 4), ...host].join(':');
          expect(ipBucket(address.join(':'))).toBe(ipBucket(sameNetwork));
        },
      ),
    );
  });
});
