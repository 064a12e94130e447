import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createMigrator, instanceToken, tokens, type KeelToken } from '@keel/core';
import { KeelOptionsError, type AdapterContext } from '@keel/core/adapter';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  authMigrationScope,
  authMigrations,
  createLocalAuth,
  createOidcAuth,
  migrateAuthSchema,
  type LocalAuthOptions,
} from '../src/index.js';
import { createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

describe('options', () => {
  it('refuse mistakes with the field named', async () => {
    const { sql, kv } = await createFixture();
    const base: LocalAuthOptions = { sql, kv, email: false };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ argon2: { memoryCost: 0 } }, /argon2\.memoryCost/],
      [{ sessions: { idleTimeoutMs: 'soon' } }, /sessions\.idleTimeoutMs/],
      [{ sesions: {} }, /sesions: is not an option; did you mean 'sessions'/],
      [{ accessTokens: { algorithm: 'HS256' } }, /accessTokens\.algorithm/],
      [{ roles: { 'has space': ['x'] } }, /roles\.has space/],
      [{ roles: { admin: ['*'] }, defaultRoles: ['owner'] }, /defaultRoles/],
      [{ tablePrefix: 'auth; DROP TABLE x' }, /tablePrefix/],
      [
        {
          oidc: {
            providers: [
              { name: 'x', issuer: 'http://idp.example', clientId: 'c', redirectUri: 'https://a.example/cb' },
            ],
          },
        },
        /oidc\.providers\[0\]\.issuer: must be an https/,
      ],
      [
        {
          oidc: {
            providers: [
              {
                name: 'x',
                issuer: 'https://idp.example',
                clientId: 'c',
                redirectUri: 'https://a.example/cb',
                scopes: ['email'],
              },
            ],
          },
        },
        /scopes: must include 'openid'/,
      ],
      [{ sql: undefined }, /sql: is required/],
      [{ kv: { get() {} } }, /kv: expected a kv instance/],
    ];
    for (const [overrides, message] of cases) {
      expect(() => createLocalAuth({ ...base, ...overrides } as LocalAuthOptions)).toThrow(message);
    }
    expect(() => createLocalAuth({ sql, kv, email: anEmail() })).toThrow(/mail\.from: is required/);
    expect(() => createOidcAuth({ sql, kv, oidc: { providers: [] } })).toThrow(/at least one provider/);
    let thrown: unknown;
    try {
      createLocalAuth({ ...base, argon2: { timeCost: -1 } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeelOptionsError);
  });

  it('takes sql, kv and email from the container by default or by instance name', async () => {
    const { sql, kv } = await createFixture();
    const other = createMemoryKv();
    const registered = new Map<symbol, unknown>([
      [tokens.sql as symbol, sql],
      [tokens.kv as symbol, other],
      [instanceToken('kv', 'sessions') as symbol, kv],
    ]);
    const context: AdapterContext = {
      interface: 'kv',
      name: 'default',
      resolve<T>(token: KeelToken<T>): T {
        if (!registered.has(token)) throw new Error(`nothing registered for ${String(token)}`);
        return registered.get(token) as T;
      },
    };
    const auth = createLocalAuth({ kv: 'sessions' }, context);
    expect(auth.capabilities).toEqual({ passwords: true, tokenDelivery: false, accessTokens: false, oidc: false });
    expectOk(await auth.register({ email: 'ada@example.com', password: 'container passphrase' }));
    const session = expectOk(await auth.login({ email: 'ada@example.com', password: 'container passphrase' }));
    expect(expectOk(await kv.scan({ prefix: 'auth:session:' })).entries).toHaveLength(1);
    expect(expectOk(await other.scan({ prefix: 'auth:' })).entries).toEqual([]);
    expect(session.principal.email).toBe('ada@example.com');
    expect(() => createLocalAuth({ kv: 'missing' }, context)).toThrow(/no kv instance named 'missing'/);
    await auth.close();
    await other.close();
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
