import { afterAll } from 'vitest';
import { describeAuthConformance } from '@keel/testing';
import { createOidcAuth } from '../src/index.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';

const fixtures = new Map<string, Fixture>();
afterAll(disposeFixtures);

describeAuthConformance({
  name: 'local: argon2id, email, access tokens',
  factory: async ({ clock, id }) => {
    const fixture = await createFixture({ clock, accessTokens: true });
    fixtures.set(id, fixture);
    return fixture.auth;
  },
  capabilities: { passwords: true, tokenDelivery: true, accessTokens: true, oidc: false },
  sentTokens: async ({ id }) => fixtures.get(id)?.sentTokens() ?? [],
});

describeAuthConformance({
  name: 'local: sessions only',
  factory: async ({ clock }) =>
    (
      await createFixture({
        clock,
        withEmail: false,
        sessions: { idleTimeoutMs: 5 * 60_000, absoluteTimeoutMs: 60 * 60_000 },
      })
    ).auth,
  capabilities: { passwords: true, tokenDelivery: false, accessTokens: false, oidc: false },
});

describeAuthConformance({
  name: 'oidc only',
  factory: async ({ clock }) => {
    const { sql, kv } = await createFixture({ clock, withEmail: false });
    return createOidcAuth({
      sql,
      kv,
      email: false,
      clock,
      tablePrefix: 'oidc_',
      roles: { admin: ['*'], editor: ['posts:*', 'comments:read'], member: ['profile:read', 'profile:write'] },
      defaultRoles: ['member'],
      oidc: {
        providers: [
          {
            name: 'corp',
            issuer: 'https://issuer.invalid',
            clientId: 'app',
            redirectUri: 'https://app.example.com/callback',
          },
        ],
      },
    });
  },
  capabilities: { passwords: false, tokenDelivery: false, accessTokens: false, oidc: true },
});
