import { createHash } from 'node:crypto';
import { createMigrator } from '@keel/core';
import { KeelOptionsError } from '@keel/core/adapter';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  authMigrationScope,
  authMigrations,
  createArgon2Hasher,
  createLocalAuth,
  createOidcAuth,
  defaultBruteForce,
  migrateAuthSchema,
  type LocalAuthOptions,
} from '../src/index.js';
import { createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

/** The problems `createLocalAuth` reports for these options, as `path: problem`. */
function problems(make: () => unknown): string[] {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(KeelOptionsError);
    return (error as KeelOptionsError).issues.map((i) => `${i.path}: ${i.problem}`);
  }
  throw new Error('expected the options to be refused');
}

const provider = { name: 'corp', issuer: 'https://idp.example', clientId: 'c', redirectUri: 'https://a.example/cb' };

describe('options', () => {
  it('refuse mistakes with the field named', async () => {
    const { sql, kv } = await createFixture();
    const base: LocalAuthOptions = { sql, kv, email: false };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ argon2: { memoryCost: 0 } }, /^argon2\.memoryCost: expected an integer from 8 to 4294967295, got 0$/],
      [{ argon2: { memoryCost: 8, parallelism: 2 } }, /^argon2\.memoryCost: is below 8 KiB per lane/],
      [{ sessions: { idleTimeoutMs: 'soon' } }, /^sessions\.idleTimeoutMs: expected an integer .*, got "soon"$/],
      [{ sesions: {} }, /^sesions: is not an option; did you mean 'sessions'/],
      [{ accessTokens: { algorithm: 'HS256' } }, /^accessTokens\.algorithm: expected one of 'EdDSA', 'ES256'/],
      [{ accessTokens: 'yes' }, /^accessTokens: expected true, false or an object, got "yes"$/],
      [{ accessTokens: { keys: [{ kid: 'k' }] } }, /^accessTokens\.keys\[0\]: expected \{ kid, jwk \}/],
      [{ roles: { 'has space': ['x'] } }, /^roles\.has space: the role name must be 1 to 64 letters/],
      [
        { roles: { editor: ['posts:**'] } },
        /^roles\.editor\[0\]: the permission must be :-separated .*, got "posts:\*\*"$/,
      ],
      [
        { roles: { admin: ['*'] }, defaultRoles: ['owner'] },
        /^defaultRoles\[0\]: is not in roles \(admin\), got "owner"$/,
      ],
      [{ tablePrefix: 'auth; DROP TABLE x' }, /^tablePrefix: expected up to 31 letters, digits and _/],
      [{ password: { minLength: 40, maxLength: 20 } }, /^password\.minLength: is greater than maxLength, got 40$/],
      [{ mail: { delivery: 'later' } }, /^mail\.delivery: expected one of 'background', 'await', got "later"$/],
      [{ onError: 'log' }, /^onError: expected a function, got "log"$/],
      [
        { oidc: { providers: [{ ...provider, issuer: 'http://idp.example' }] } },
        /^oidc\.providers\[0\]\.issuer: expected an https:\/\/ URL, got "http:\/\/idp\.example"$/,
      ],
      [
        { oidc: { providers: [{ ...provider, scopes: ['email'] }] } },
        /^oidc\.providers\[0\]\.scopes: must include 'openid'/,
      ],
      [
        { oidc: { providers: [provider, provider] } },
        /^oidc\.providers\[1\]\.name: is the name of an earlier provider/,
      ],
      [{ oidc: { providers: [{ ...provider, clientId: undefined }] } }, /^oidc\.providers\[0\]\.clientId: is required/],
      [
        { roles: { member: [] }, oidc: { providers: [{ ...provider, defaultRoles: ['admin'] }] } },
        /^oidc\.providers\[0\]\.defaultRoles\[0\]: is not in roles \(member\), got "admin"$/,
      ],
      [{ sql: undefined }, /^sql: is required \(a sql instance; only createKeel fills it in from config\)$/],
      [{ sql: 'main' }, /^sql: names the instance 'main', which only works inside createKeel/],
      [{ kv: { get() {} } }, /^kv: expected a kv instance or the name of a configured one, got an object$/],
      [
        { registration: { enumeration: 'conceal' } },
        /^registration\.enumeration: expected one of 'reveal', 'hide', got "conceal"$/,
      ],
      [
        { registration: { enumeration: 'hide' } },
        /^registration\.enumeration: 'hide' tells the account's owner by email: it needs email or deliverToken, got/,
      ],
      [
        { oidc: { providers: [{ ...provider, linkVerifiedEmail: 'yes' }] } },
        /^oidc\.providers\[0\]\.linkVerifiedEmail: expected true or false, got "yes"$/,
      ],
    ];
    for (const [overrides, message] of cases) {
      const found = problems(() => createLocalAuth({ ...base, ...overrides } as LocalAuthOptions));
      expect(found, JSON.stringify(overrides)).toHaveLength(1);
      expect(found[0]).toMatch(message);
    }
    expect(problems(() => createLocalAuth({ sql, kv, email: anEmail() }))).toEqual([
      'mail.from: is required: reset and verification emails go out through the email instance given and need a ' +
        "sender, such as 'Acme <no-reply@acme.test>'. Set mail.from, or email: false to send none",
    ]);
    // 'hide' with no email option and no deliverToken: outside createKeel there is then no email instance.
    expect(problems(() => createLocalAuth({ sql, kv, registration: { enumeration: 'hide' } }))).toEqual([
      "registration.enumeration: 'hide' tells the account's owner by email: it needs email or deliverToken",
    ]);
    createLocalAuth({ sql, kv, email: false, deliverToken: () => {}, registration: { enumeration: 'hide' } });
    // Registration is a password option: the oidc adapter has none.
    expect(
      problems(() => createOidcAuth({ sql, kv, oidc: { providers: [provider] }, registration: {} } as never)),
    ).toEqual([expect.stringMatching(/^registration: is not an option/)]);
    expect(problems(() => createOidcAuth({ sql, kv, oidc: { providers: [] } }))).toEqual([
      'oidc.providers: expected at least one provider, got an array',
    ]);
    expect(problems(() => createOidcAuth({ sql, kv, passwords: false } as never))).toEqual([
      expect.stringMatching(/^oidc: is required/),
      expect.stringMatching(/^passwords: is not an option/),
    ]);
  });

  it('report every problem of one options object at once, each with its exact path', async () => {
    const { sql, kv } = await createFixture();
    const found = problems(() =>
      createLocalAuth({
        sql,
        kv,
        email: false,
        sesions: { idleTimeoutMs: 1 },
        argon2: { memoryCost: 0, timeCost: 1.5 },
        accessTokens: { algorithm: 'HS256', ttlMs: 1 },
        bruteForce: { windowMs: -1 },
        roles: { admin: ['*'] },
        defaultRoles: ['owner', 'admin', 'ghost'],
        tablePrefix: 'x-y',
        mail: { from: '' },
        registration: { enumeration: 'hide' },
        oidc: {
          providers: [{ ...provider, issuer: 'ftp://idp', algorithms: ['RS256', 'none'], linkVerifiedEmail: 1 }],
        },
      } as never),
    );
    expect(found.map((line) => line.slice(0, line.indexOf(': ')))).toEqual([
      'argon2.memoryCost',
      'argon2.timeCost',
      'accessTokens.algorithm',
      'accessTokens.ttlMs',
      'bruteForce.windowMs',
      'mail.from',
      'oidc.providers[0].algorithms',
      'oidc.providers[0].linkVerifiedEmail',
      'oidc.providers[0].issuer',
      'tablePrefix',
      'sesions',
      'defaultRoles[0]',
      'defaultRoles[2]',
      'registration.enumeration',
    ]);
    expect(found).toContain(
      'oidc.providers[0].algorithms: none cannot verify an ID token from a public-key provider, got an array',
    );
  });

  it('declare each default once, in the schema', () => {
    expect(defaultBruteForce).toEqual({
      maxFailuresPerAccount: 5,
      maxFailuresPerIp: 50,
      windowMs: 900_000,
      lockoutMs: 60_000,
      maxLockoutMs: 3_600_000,
      maxRequestsPerIp: 20,
      maxEmailsPerAccount: 3,
    });
    expect(Object.isFrozen(defaultBruteForce)).toBe(true);
    expect(() => createArgon2Hasher({ memoryCost: 0 })).toThrow(
      /^createArgon2Hasher: memoryCost: expected an integer from 8 to 4294967295, got 0$/,
    );
  });
});

describe('migrations', () => {
  it('run through core’s migrator once, recorded under their own scope, and can be reverted', async () => {
    const { sql, auth } = await createFixture();
    expectOk(await auth.open());
    expect((await migrateAuthSchema(sql, 'auth_')).ran).toEqual([]);
    const migrator = createMigrator(sql, { migrations: authMigrations('auth_'), scope: authMigrationScope('auth_') });
    expect(expectOk(await migrator.status())).toMatchObject({ version: 1, pending: [], edited: [] });
    // A second schema with another prefix in the same database keeps its own history.
    expect((await migrateAuthSchema(sql, 'tenant2_')).ran).toEqual([
      { version: 1, name: 'users, identities and one-time tokens' },
    ]);
    expectOk(
      await createMigrator(sql, { migrations: authMigrations('tenant2_'), scope: authMigrationScope('tenant2_') }).down(
        0,
      ),
    );
    expect(expectOk(await sql.query("SELECT name FROM sqlite_master WHERE name LIKE 'tenant2_%'")).rows).toEqual([]);
    expect(
      expectOk(
        await sql.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'auth_%' ORDER BY name"),
      ).rows.flat(),
    ).toEqual(['auth_identities', 'auth_tokens', 'auth_users']);
  });

  it('keep the SQLite script of version 1 byte for byte, so that databases migrated before still match its checksum', () => {
    const [first] = authMigrations('auth_');
    const sqlite = typeof first?.up === 'string' ? first.up : first?.up.sqlite;
    expect(
      createHash('sha256')
        .update(sqlite ?? '')
        .digest('hex'),
    ).toBe('8ee59667d651c512205a0fade9d09c416e16f5e7eb4c8ae9914fcfbe5507133c');
    // PostgreSQL's INTEGER is 32-bit: millisecond times need BIGINT there.
    const postgres = typeof first?.up === 'string' ? '' : (first?.up.postgres ?? '');
    expect(postgres.match(/_at BIGINT/g)).toHaveLength(5);
    expect(postgres).not.toMatch(/_at INTEGER/);
  });

  it('are skipped with migrate: false', async () => {
    const { sql, kv, clock } = await createFixture({ tablePrefix: 'unused_' });
    const auth = createLocalAuth({ sql, kv, email: false, clock, tablePrefix: 'manual_', migrate: false });
    expect(
      (await auth.register({ email: 'a@example.com', password: 'manual passphrase 1' }))._unsafeUnwrapErr().code,
    ).toBe('INTERNAL');
    await migrateAuthSchema(sql, 'manual_');
    expectOk(await auth.register({ email: 'a@example.com', password: 'manual passphrase 1' }));
    expect((await auth.health()).ok).toBe(true);
    await auth.close();
  });
});

/** Enough of an email adapter to pass the instance check. */
function anEmail() {
  return { adapter: 'x', send: () => undefined } as never;
}
