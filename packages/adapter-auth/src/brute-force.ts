import { isIPv4, isIPv6 } from 'node:net';
import type { Clock, Kv } from '@keel/core';
import { tokenHash } from './auth-crypto.js';
import { AuthError } from '@keel/core';
import type { ResolvedBruteForceOptions } from './brute-force-options.js';
import { must, type KvKeys } from './store-results.js';

export type BruteForce = ReturnType<typeof createBruteForce>;

/**
 * Per-account and per-IP limits. Accounts are counted by the hash of the email whether or not
 * the account exists, so a lockout never tells the two apart. A lockout lasts `lockoutMs`,
 * doubling with each further failure up to `maxLockoutMs`; a successful sign-in clears the
 * account's count (never the IP's).
 */
export function createBruteForce(kv: Kv, keys: KvKeys, clock: Clock, options: ResolvedBruteForceOptions) {
  const account = (email: string) => `account:${tokenHash(`email:${email}`)}`;
  const ip = (address: string | undefined) => (address === undefined ? undefined : `ip:${ipBucket(address)}`);
  const lockFor = (failures: number, max: number) =>
    failures < max ? 0 : Math.min(options.lockoutMs * 2 ** Math.min(failures - max, 30), options.maxLockoutMs);

  async function fail(bucket: string, max: number): Promise<void> {
    const failures = Number(await must(kv.increment(keys.failures(bucket)), 'counting a failure'));
    const lockMs = lockFor(failures, max);
    // Each failure extends the count, so that backoff keeps growing across lockouts.
    await must(kv.expire(keys.failures(bucket), options.windowMs + lockMs), 'counting a failure');
    if (lockMs > 0) await must(kv.set(keys.lock(bucket), BigInt(clock.now() + lockMs), { ttlMs: lockMs }), 'locking');
  }

  async function count(key: string, max: number, message: string): Promise<void> {
    const n = await must(kv.increment(key), 'counting a request');
    if (n === 1n) await must(kv.expire(key, options.windowMs), 'counting a request');
    if (n <= BigInt(max)) return;
    const expiry = await must(kv.ttl(key), 'counting a request');
    const retryAfterMs = expiry?.kind === 'after-ms' ? expiry.ms : options.windowMs;
    throw new AuthError({ code: 'RATE_LIMITED', message, retryAfterMs });
  }

  return {
    /** Throws `ACCOUNT_LOCKED` or `RATE_LIMITED` while a lockout lasts. */
    async assertOpen(email: string, address: string | undefined): Promise<void> {
      const ipBucketKey = ip(address);
      const [accountLock, ipLock] = await must(
        kv.getMany(ipBucketKey ? [keys.lock(account(email)), keys.lock(ipBucketKey)] : [keys.lock(account(email))]),
        'reading lockouts',
      );
      const now = clock.now();
      if (typeof ipLock === 'bigint' && Number(ipLock) > now) {
        throw new AuthError({
          code: 'RATE_LIMITED',
          message: 'too many failed sign-ins from this address',
          retryAfterMs: Number(ipLock) - now,
        });
      }
      if (typeof accountLock === 'bigint' && Number(accountLock) > now) {
        throw new AuthError({
          code: 'ACCOUNT_LOCKED',
          message: 'too many failed sign-ins: the account is locked for a while',
          lockedUntil: Number(accountLock),
        });
      }
    },

    async recordFailure(email: string, address: string | undefined): Promise<void> {
      await fail(account(email), options.maxFailuresPerAccount);
      const bucket = ip(address);
      if (bucket) await fail(bucket, options.maxFailuresPerIp);
    },

    async recordSuccess(email: string): Promise<void> {
      await must(kv.deleteMany([keys.failures(account(email)), keys.lock(account(email))]), 'clearing failures');
    },

    /** Counts a request from an IP (registration, reset request); `RATE_LIMITED` past the limit. */
    async countRequest(action: string, address: string | undefined): Promise<void> {
      const bucket = ip(address);
      if (bucket)
        await count(keys.requests(action, bucket), options.maxRequestsPerIp, 'too many requests from this address');
    },

    /** Counts an email sent to an account (known or not); `RATE_LIMITED` past the limit. */
    async countEmail(action: string, email: string): Promise<void> {
      await count(
        keys.requests(action, account(email)),
        options.maxEmailsPerAccount,
        'too many emails requested for this address',
      );
    },
  };
}

/** IPv4 as it is; IPv6 by its /64 (one customer's network), IPv4-mapped IPv6 as IPv4. */
export function ipBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (isIPv4(address) || !isIPv6(address)) return address.toLowerCase();
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
