import { parseOptions } from '@node-rs/argon2';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher, createLocalAuth, defaultArgon2Params, type AuthTokenMessage } from '../src/index.js';
import { createPasswordPolicy } from '../src/password-policy.js';
import { failingEmail } from './support/email.js';
import { cheapArgon2, countingHasher, createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

const storedHash = async (f: Awaited<ReturnType<typeof createFixture>>, email: string) =>
  String(expectOk(await f.sql.query('SELECT password_hash FROM auth_users WHERE email = ?', [email])).rows[0]?.[0]);

describe('password hashing', () => {
  it('defaults to argon2id with OWASP parameters', async () => {
    expect(defaultArgon2Params).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hasher = createArgon2Hasher();
    const hash = await hasher.hash('a passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, 'a passphrase')).toBe(true);
    expect(await hasher.verify(hash, 'a passphrasf')).toBe(false);
    expect(await hasher.verify('not a hash', 'a passphrase')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')).toBe(true);
    expect(() => createArgon2Hasher({ memoryCost: 0 })).toThrow(TypeError);
  });

  it('rehashes transparently at the next sign-in when the parameters change', async () => {
    const f = await createFixture();
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'rehash passphrase 7' }));
    expect(parseOptions(await storedHash(f, 'ada@example.com'))).toMatchObject({ memoryCost: 256, timeCost: 1 });
    const hasher = countingHasher(createArgon2Hasher({ memoryCost: 512, timeCost: 2 }));
    const upgraded = createLocalAuth({ sql: f.sql, kv: f.kv, email: false, clock: f.clock, hasher });
    try {
      expectOk(await upgraded.login({ email: 'ada@example.com', password: 'rehash passphrase 7' }));
      expect(parseOptions(await storedHash(f, 'ada@example.com'))).toMatchObject({ memoryCost: 512, timeCost: 2 });
      const hashes = hasher.calls.hash;
      expectOk(await upgraded.login({ email: 'ada@example.com', password: 'rehash passphrase 7' }));
      expect(hasher.calls.hash).toBe(hashes);
      // A wrong password never rehashes.
      expectErr(
        await upgraded.login({ email: 'ada@example.com', password: 'wrong passphrase 7' }),
        'INVALID_CREDENTIALS',
      );
      expect(hasher.calls.hash).toBe(hashes);
    } finally {
      await upgraded.close();
    }
  });

  it('normalises Unicode (NFKC): the same password typed differently signs in', async () => {
    const f = await createFixture();
    expectOk(await f.auth.register({ email: 'zoe@example.com', password: 'Zoe\u0301 in Zu\u0308rich ﬁne' }));
    expectOk(await f.auth.login({ email: 'zoe@example.com', password: 'Zoé in Zürich fine' }));
  });
});

describe('password policy', () => {
  const policy = createPasswordPolicy({ minLength: 12, maxLength: 64 });
  it.each([
    ['short', ['too-short']],
    ['x'.repeat(65), ['too-long', 'repetitive']],
    ['Password1234', ['common']],
    ['abcabcabcabcabc', ['repetitive']],
    ['123456789012', ['repetitive']],
    ['qwertyuiop!!', ['common']],
    ['ada.lovelace-rocks-2024', ['contains-email']],
    ['a perfectly fine passphrase', []],
  ])('%s → %j', async (password, reasons) => {
    expect(await policy.problems(password, 'ada.lovelace@example.com')).toEqual(reasons);
  });

  it('takes extra rules, and reports every reason with WEAK_PASSWORD', async () => {
    const f = await createFixture({
      password: { minLength: 16, check: (p) => (p.includes('acme') ? ['company-name'] : []) },
    });
    const error = expectErr(await f.auth.register({ email: 'a@example.com', password: 'acme rocks' }), 'WEAK_PASSWORD');
    expect(error.reasons).toEqual(['too-short', 'company-name']);
    expect(error.message).toMatch(/shorter than 16/);
  });
});

describe('reset and verification tokens', () => {
  it('are single use, expire, and the newest one replaces earlier ones', async () => {
    const f = await createFixture({
      mail: { from: 'a@example.com', resetUrl: 'https://x.test/r?token={token}', delivery: 'await' },
    });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'first passphrase 11' }));
    expectOk(await f.auth.requestPasswordReset('ada@example.com'));
    const first = await f.outbox.tokenFor('ada@example.com', /reset/i);
    expectOk(await f.auth.requestPasswordReset('ada@example.com'));
    const second = await f.outbox.tokenFor('ada@example.com', /reset/i);
    expect(second).not.toBe(first);
    expectErr(await f.auth.completePasswordReset(first, 'second passphrase 22'), 'INVALID_TOKEN');
    f.clock.advance(60 * 60_000 - 1);
    expectOk(await f.auth.completePasswordReset(second, 'second passphrase 22'));
    expectOk(await f.auth.login({ email: 'ada@example.com', password: 'second passphrase 22' }));
  });

  it('a reset unlocks a locked account', async () => {
    const f = await createFixture({
      mail: { from: 'a@example.com', resetUrl: 'https://x.test/r?token={token}', delivery: 'await' },
    });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'first passphrase 11' }));
    for (let i = 0; i < 6; i++) await f.auth.login({ email: 'ada@example.com', password: 'wrong passphrase 11' });
    expectErr(await f.auth.login({ email: 'ada@example.com', password: 'first passphrase 11' }), 'ACCOUNT_LOCKED');
    expectOk(await f.auth.requestPasswordReset('ada@example.com'));
    expectOk(
      await f.auth.completePasswordReset(await f.outbox.tokenFor('ada@example.com', /reset/i), 'second passphrase 22'),
    );
    expectOk(await f.auth.login({ email: 'ada@example.com', password: 'second passphrase 22' }));
  });

  it('go through a deliverToken hook with the link; delivery failures are reported, never answered', async () => {
    const delivered: AuthTokenMessage[] = [];
    const errors: unknown[] = [];
    const f = await createFixture({
      deliverToken: (m) => void delivered.push(m),
      onError: (e) => void errors.push(e),
      verifyEmailOnRegister: false,
      email: failingEmail(),
      mail: { from: 'Keel <a@example.com>', resetUrl: (t) => `https://x.test/reset/${t}`, appName: 'Acme' },
    });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'first passphrase 11' }));
    expect(delivered).toEqual([]);
    expectOk(await f.auth.requestPasswordReset('ada@example.com'));
    await f.auth.close();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      kind: 'password-reset',
      email: 'ada@example.com',
      url: `https://x.test/reset/${delivered[0]?.token}`,
    });
    expect(delivered[0]?.expiresAt).toBe(f.clock.now() + 60 * 60_000);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toMatch(/provider is down/);
  });

  it('the default email names the app and carries the link', async () => {
    const f = await createFixture({
      mail: {
        from: 'Acme <no-reply@acme.test>',
        appName: 'Acme',
        resetUrl: 'https://acme.test/reset?token={token}',
        delivery: 'await',
      },
    });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'first passphrase 11' }));
    expectOk(await f.auth.requestPasswordReset('ada@example.com'));
    const mail = f.outbox.sent().at(-1);
    expect(mail).toMatchObject({
      from: { email: 'no-reply@acme.test', name: 'Acme' },
      subject: 'Reset your Acme password',
      tags: ['auth-password-reset'],
    });
    expect(mail?.text).toMatch(/https:\/\/acme\.test\/reset\?token=[\w-]{43}/);
    expect(f.outbox.sent()[0]?.subject).toBe('Confirm your email for Acme');
  });
});

it('uses cheap argon2 parameters in tests only', () => {
  expect(cheapArgon2.memoryCost).toBeLessThan(defaultArgon2Params.memoryCost);
});
