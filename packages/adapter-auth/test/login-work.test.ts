// Unknown email, account without a password, wrong password: the same answer after the same
// work. Work is counted (hash verifications, kv and sql calls), never timed.
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalAuth } from '../src/index.js';
import { authConformanceRoles } from '@keel/testing';
import { countingKv, countingSql, type Counts } from './support/counting.js';
import { countingHasher } from './support/fixture.js';
import { createTestSql } from './support/sqlite.js';

const disposers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const dispose of disposers) await dispose();
});

async function setup() {
  const clock = new ManualClock();
  const { sql, dispose } = await createTestSql();
  const kv = createMemoryKv({ clock });
  const counts: Counts = {};
  const hasher = countingHasher();
  const auth = createLocalAuth({
    sql: countingSql(sql, counts),
    kv: countingKv(kv, counts),
    email: false,
    hasher,
    clock,
    roles: authConformanceRoles,
  });
  disposers.push(async () => {
    await auth.close();
    await kv.close();
    await dispose();
  });
  expectOk(await auth.register({ email: 'known@example.com', password: 'the right passphrase 1' }));
  expectOk(await auth.open());
  /** The work one failed login does, and its error. */
  const measure = async (email: string, password: string) => {
    for (const key of Object.keys(counts)) delete counts[key];
    hasher.calls.hash = 0;
    hasher.calls.verify = 0;
    const error = expectErr(await auth.login({ email, password }, { ip: '198.51.100.7' }), 'INVALID_CREDENTIALS');
    return { message: error.message, hashes: { ...hasher.calls }, io: { ...counts } };
  };
  return { auth, measure, sql };
}

describe('no user enumeration through login', () => {
  it('answers an unknown email and a wrong password with the same code, message and work', async () => {
    const { measure } = await setup();
    const wrong = await measure('known@example.com', 'a wrong passphrase 1');
    const unknown = await measure('nobody@example.com', 'a wrong passphrase 1');
    expect(unknown).toEqual(wrong);
    // One password hash's worth of work each: one verification, no hashing.
    expect(wrong.hashes).toEqual({ hash: 0, verify: 1 });
    // The same lookups and counter updates: lockouts read, user looked up, account and IP counted.
    expect(wrong.io).toEqual({ 'kv.getMany': 1, 'sql.query:SELECT': 1, 'kv.increment': 2, 'kv.expire': 2 });
  });

  it('treats an account without a password (created by an OpenID provider) the same', async () => {
    const { measure, sql } = await setup();
    expectOk(await sql.execute("UPDATE auth_users SET password_hash = NULL WHERE email = 'known@example.com'"));
    expect(await measure('known@example.com', 'the right passphrase 1')).toEqual(
      await measure('nobody@example.com', 'the right passphrase 1'),
    );
  });

  it('locks unknown and known accounts after the same number of failures', async () => {
    const { auth } = await setup();
    const failuresUntilLocked = async (email: string) => {
      for (let n = 1; n <= 20; n++) {
        const r = await auth.login({ email, password: 'a wrong passphrase 1' });
        if (r.isErr() && r.error.code === 'ACCOUNT_LOCKED') return n;
      }
      return -1;
    };
    expect(await failuresUntilLocked('nobody@example.com')).toBe(await failuresUntilLocked('known@example.com'));
  });
});
