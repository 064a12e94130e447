import type { Kv, Sql } from '@keel/core';
import { ManualClock } from '@keel/testing';
import { authConformanceRoles, type SentAuthToken } from '@keel/testing';
import {
  createLocalAuth,
  createArgon2Hasher,
  type LocalAuth,
  type LocalAuthOptions,
  type PasswordHasher,
} from '../../src/index.js';
import { createTestEmail, type TestEmail } from './email.js';
import { sqliteStores, type TestStores } from './stores.js';

/** argon2id at a tiny cost, so that tests hash in well under a millisecond. Production keeps the defaults. */
export const cheapArgon2 = Object.freeze({ memoryCost: 256, timeCost: 1, parallelism: 1 });

/** A hasher that counts its calls: the work a code path does, measured without timing. */
export interface CountingHasher extends PasswordHasher {
  readonly calls: { hash: number; verify: number };
}

export function countingHasher(inner: PasswordHasher = createArgon2Hasher(cheapArgon2)): CountingHasher {
  const calls = { hash: 0, verify: 0 };
  return {
    calls,
    hash: (password) => (calls.hash++, inner.hash(password)),
    verify: (hashed, password) => (calls.verify++, inner.verify(hashed, password)),
    needsRehash: (hashed) => inner.needsRehash(hashed),
  };
}

export interface Fixture {
  readonly auth: LocalAuth;
  readonly kv: Kv;
  readonly sql: Sql;
  readonly clock: ManualClock;
  readonly outbox: TestEmail;
  /** Reset and verification tokens found in the outbox, oldest first. */
  sentTokens(): SentAuthToken[];
  dispose(): Promise<void>;
}

const open = new Set<Fixture>();

/** Closes every fixture still open (call from `afterAll`). */
export async function disposeFixtures(): Promise<void> {
  await Promise.all([...open].map((f) => f.dispose()));
}

/**
 * A local auth on a fresh database and kv of `stores` (a temporary SQLite file and an in-memory
 * kv unless told otherwise; `sql` and `kv` when given, which the fixture then closes) and a
 * recording email adapter, all on one manual clock, with the conformance suite's roles.
 */
export async function createFixture(
  options: Partial<Omit<LocalAuthOptions, 'kv' | 'sql'>> & {
    clock?: ManualClock;
    withEmail?: boolean;
    stores?: TestStores;
    sql?: Sql;
    kv?: Kv;
  } = {},
): Promise<Fixture> {
  const {
    clock = new ManualClock(),
    withEmail = true,
    stores = sqliteStores,
    sql: given,
    kv: givenKv,
    ...rest
  } = options;
  const kv = givenKv ?? stores.kv(clock);
  const { sql, dispose: disposeSql } = given ? { sql: given, dispose: () => given.close() } : await stores.sql();
  const outbox = await createTestEmail();
  const auth = createLocalAuth({
    sql,
    kv,
    email: withEmail ? outbox.email : false,
    mail: {
      from: 'Keel Auth <auth@example.com>',
      resetUrl: 'https://app.example.com/reset?token={token}',
      verifyUrl: 'https://app.example.com/verify?token={token}',
    },
    argon2: cheapArgon2,
    roles: authConformanceRoles,
    defaultRoles: ['member'],
    clock,
    ...rest,
  });
  const fixture: Fixture = {
    auth,
    kv,
    sql,
    clock,
    outbox,
    sentTokens: () =>
      outbox.sent().flatMap((m) => {
        const token = /token=([A-Za-z0-9_-]{43})/.exec(m.text ?? '')?.[1];
        if (!token) return [];
        return [
          {
            kind: /reset/i.test(m.subject) ? 'password-reset' : 'email-verification',
            email: m.to[0]?.email ?? '',
            token,
          } as const,
        ];
      }),
    async dispose() {
      open.delete(fixture);
      await auth.close();
      await outbox.email.close();
      await kv.close();
      await disposeSql();
    },
  };
  open.add(fixture);
  return fixture;
}
