// Two auth instances on one PostgreSQL database and one Redis prefix, as two app processes run:
// each has its own connections and no state of its own that the other would miss.
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAccessTokenKey } from '../src/index.js';
import { createFixture, disposeFixtures } from './support/fixture.js';
import { postgresRedisStores } from './support/postgres-stores.js';

const { stores, skip } = await postgresRedisStores();

describe.skipIf(!stores)(`two auth instances on one PostgreSQL + Redis${skip ? ` — skipped: ${skip}` : ''}`, () => {
  afterAll(async () => {
    await disposeFixtures();
    await stores?.cleanup();
  }, 300_000);

  const twoInstances = async () => {
    const s = stores as NonNullable<typeof stores>;
    const url = await s.database('shared');
    const prefix = s.prefix('shared');
    // Processes that verify each other's access tokens share the signing keys, as the option says.
    const keys = [await generateAccessTokenKey()];
    const open = () => createFixture({ stores: s, sql: s.openSql(url), kv: s.openKv(prefix), accessTokens: { keys } });
    const a = await open();
    const b = await open();
    return { a: a.auth, b: b.auth };
  };

  it('a session made by one is valid through the other, and revoked for both by either', async () => {
    const { a, b } = await twoInstances();
    const user = expectOk(await a.register({ email: 'ada@example.com', password: 'lantern harbor violet 1' }));
    expect(expectOk(await b.getUser(user.id))).toEqual(user);
    const session = expectOk(await b.login({ email: 'ada@example.com', password: 'lantern harbor violet 1' }));
    expect(expectOk(await a.verifySession(session.token))).toEqual(session.principal);
    expect(expectOk(await b.verifySession(session.token))).toEqual(session.principal);
    expect(expectOk(await a.revokeSession(session.principal.sessionId))).toBe(true);
    expectErr(await b.verifySession(session.token), 'INVALID_TOKEN');
    expectErr(await a.verifySession(session.token), 'INVALID_TOKEN');
  });

  it('one refuses the email the other registered, and sees the roles the other set', async () => {
    const { a, b } = await twoInstances();
    const user = expectOk(await a.register({ email: 'bo@example.com', password: 'lantern harbor violet 2' }));
    expectErr(await b.register({ email: 'BO@example.com', password: 'lantern harbor violet 3' }), 'EMAIL_TAKEN');
    expectOk(await b.setRoles(user.id, ['editor']));
    const session = expectOk(await a.login({ email: 'bo@example.com', password: 'lantern harbor violet 2' }));
    expect(session.principal.roles).toEqual(['editor']);
  });

  it('a refresh token issued by one is spent once, through either; its reuse ends the session for both', async () => {
    const { a, b } = await twoInstances();
    expectOk(await a.register({ email: 'cy@example.com', password: 'lantern harbor violet 4' }));
    const session = expectOk(await a.login({ email: 'cy@example.com', password: 'lantern harbor violet 4' }));
    const refreshToken = session.tokens?.refreshToken as string;
    const pair = expectOk(await b.refresh(refreshToken));
    expect(expectOk(await a.verifyAccessToken(pair.accessToken)).userId).toBe(session.principal.userId);
    expectErr(await a.refresh(refreshToken), 'INVALID_TOKEN');
    // The reuse revoked the session, the pair the other instance issued included.
    expectErr(await b.refresh(pair.refreshToken), 'INVALID_TOKEN');
  });
});
