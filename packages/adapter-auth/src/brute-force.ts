import { isIPv4, isIPv6 } from 'node:net';
import type { Clock, Kv } from '@keel/core';
import { tokenHash } from './auth-crypto.js';
import { AuthError } from '@keel/core';
import type { ResolvedBruteForceOptions } from './brute-force-options.js';
import { must, type KvKeys } from './store-results.js';

export type BruteForce = ReturnType<typeof createBruteForce>;

/** A password check that was allowed to run; its attempt is already counted as a failure. */
export interface SignInAttempt {
  /** The password was right: clears the account's count and gives the IP back its attempt. */
  succeeded(): Promise<void>;
}

/** An attempt's place in a bucket: the lock it took, if it was the one allowed past the limit. */
interface Slot {
  readonly bucket: string;
  readonly lock: bigint | undefined;
}

/**
 * Per-account and per-IP limits. Accounts are counted by the hash of the email whether or not
 * the account exists, so a lockout never tells the two apart. A lockout lasts `lockoutMs`,
 * doubling with each further failure up to `maxLockoutMs`; a successful sign-in clears the
 * account's count (never the IP's).
 *
 * Every attempt is counted (an atomic kv increment) before its password is checked, and from
 * the limit on an attempt runs only if it takes the lock first (compare-and-swap): however many
 * attempts arrive at once, at most `maxFailuresPerAccount` checks run before the lockout, then one
 * per lockout. Counting after the check let a burst of parallel attempts all pass the limit.
 */
export function createBruteForce(kv: Kv, keys: KvKeys, clock: Clock, options: ResolvedBruteForceOptions) {
  const account = (email: string) => `account:${tokenHash(`email:${email}`)}`;
  const ip = (address: string | undefined) => (address === undefined ? undefined : `ip:${ipBucket(address)}`);
  const lockFor = (failures: number, max: number) =>
    failures < max ? 0 : Math.min(options.lockoutMs * 2 ** Math.min(failures - max, 30), options.maxLockoutMs);

  /** Counts an attempt; a `Slot` when it may run, or when the bucket is locked until. */
  async function reserve(bucket: string, max: number): Promise<Slot | bigint> {
    const failures = keys.failures(bucket);
    const count = Number(await must(kv.increment(failures), 'counting an attempt'));
    const lockMs = lockFor(count, max);
    // Each attempt extends the count, so that backoff keeps growing across lockouts.
    await must(kv.expire(failures, options.windowMs + lockMs), 'counting an attempt');
    if (lockMs === 0) return { bucket, lock: undefined };
    const lockKey = keys.lock(bucket);
    const current = await must(kv.get(lockKey), 'reading a lockout');
    const now = clock.now();
    let until = BigInt(now + lockMs);
    // Of the attempts racing past the limit, the one whose swap lands runs; the others find the lock.
    if (!(typeof current === 'bigint' && Number(current) > now)) {
      if (await must(kv.compareAndSwap(lockKey, current, until, { ttlMs: lockMs }), 'locking')) {
        return { bucket, lock: until };
      }
      const taken = await must(kv.get(lockKey), 'reading a lockout');
      if (typeof taken === 'bigint') until = taken;
    } else {
      until = current;
    }
    // Refused before any check: not a failure, so the count goes back.
    await giveBack({ bucket, lock: undefined });
    return until;
  }

  /** Takes an attempt back out of a bucket's count, and the lock it took. */
  async function giveBack(slot: Slot): Promise<void> {
    const failures = keys.failures(slot.bucket);
    const left = await must(kv.increment(failures, -1n), 'returning an attempt');
    // At zero the key goes; below zero a concurrent clear removed it and the decrement made a
    // key without expiry, which must not stay.
    if (left <= 0n) await must(kv.compareAndSwap(failures, left, undefined), 'returning an attempt');
    if (slot.lock !== undefined)
      await must(kv.compareAndSwap(keys.lock(slot.bucket), slot.lock, undefined), 'unlocking');
  }

  function refuse(what: 'account' | 'ip', until: bigint): never {
    const now = clock.now();
    if (what === 'ip') {
      throw new AuthError({
        code: 'RATE_LIMITED',
        message: 'too many failed sign-ins from this address',
        retryAfterMs: Math.max(0, Number(until) - now),
      });
    }
    throw new AuthError({
      code: 'ACCOUNT_LOCKED',
      message: 'too many failed sign-ins: the account is locked for a while',
      lockedUntil: Number(until),
    });
  }

  /** Counts a request; past the limit, how long until the window ends. */
  async function count(key: string, max: number): Promise<number | undefined> {
    const n = await must(kv.increment(key), 'counting a request');
    if (n === 1n) await must(kv.expire(key, options.windowMs), 'counting a request');
    if (n <= BigInt(max)) return undefined;
    const expiry = await must(kv.ttl(key), 'counting a request');
    return expiry?.kind === 'after-ms' ? expiry.ms : options.windowMs;
  }

  return {
    /** Throws `ACCOUNT_LOCKED` or `RATE_LIMITED` while a lockout lasts (a read: counts nothing). */
    async assertOpen(email: string, address: string | undefined): Promise<void> {
      const ipBucketKey = ip(address);
      const [accountLock, ipLock] = await must(
        kv.getMany(ipBucketKey ? [keys.lock(account(email)), keys.lock(ipBucketKey)] : [keys.lock(account(email))]),
        'reading lockouts',
      );
      const now = clock.now();
      if (typeof ipLock === 'bigint' && Number(ipLock) > now) refuse('ip', ipLock);
      if (typeof accountLock === 'bigint' && Number(accountLock) > now) refuse('account', accountLock);
    },

    /**
     * Counts a sign-in attempt as failed before its password is checked; throws `RATE_LIMITED`
     * or `ACCOUNT_LOCKED` (counting nothing) when it may not run. Call `succeeded()` on the
     * returned attempt when the password was right; a wrong one needs nothing more.
     */
    async begin(email: string, address: string | undefined): Promise<SignInAttempt> {
      const ipBucketKey = ip(address);
      const ipSlot = ipBucketKey ? await reserve(ipBucketKey, options.maxFailuresPerIp) : undefined;
      if (typeof ipSlot === 'bigint') refuse('ip', ipSlot);
      const accountSlot = await reserve(account(email), options.maxFailuresPerAccount);
      if (typeof accountSlot === 'bigint') {
        if (ipSlot) await giveBack(ipSlot);
        refuse('account', accountSlot);
      }
      return {
        async succeeded() {
          await must(
            kv.deleteMany([keys.failures(accountSlot.bucket), keys.lock(accountSlot.bucket)]),
            'clearing failures',
          );
          // The IP keeps its other failures: one right password elsewhere says nothing about them.
          if (ipSlot) await giveBack(ipSlot);
        },
      };
    },

    /** Forgets an account's failures and lockout (after a password reset). */
    async clearAccount(email: string): Promise<void> {
      await must(kv.deleteMany([keys.failures(account(email)), keys.lock(account(email))]), 'clearing failures');
    },

    /** Counts a request from an IP (registration, reset request); `RATE_LIMITED` past the limit. */
    async countRequest(action: string, address: string | undefined): Promise<void> {
      const bucket = ip(address);
      const retryAfterMs = bucket ? await count(keys.requests(action, bucket), options.maxRequestsPerIp) : undefined;
      if (retryAfterMs !== undefined) {
        throw new AuthError({
          code: 'RATE_LIMITED',
          message: 'too many requests from this address',
          retryAfterMs,
        });
      }
    },

    /** Counts an email sent to an account (known or not); `RATE_LIMITED` past the limit. */
    async countEmail(action: string, email: string): Promise<void> {
      const retryAfterMs = await count(keys.requests(action, account(email)), options.maxEmailsPerAccount);
      if (retryAfterMs !== undefined) {
        throw new AuthError({
          code: 'RATE_LIMITED',
          message: 'too many emails requested for this address',
          retryAfterMs,
        });
      }
    },

    /** Like `countEmail`, but answers whether the email may go instead of refusing. */
    async mayEmail(action: string, email: string): Promise<boolean> {
      return (await count(keys.requests(action, account(email)), options.maxEmailsPerAccount)) === undefined;
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
