import { afterAll } from 'vitest';
import { describeAuthConformance } from '@keel/testing';
import { createOidcAuth } from '../../src/index.js';
import { createFixture, disposeFixtures, type Fixture } from './fixture.js';
import type { TestStores } from './stores.js';

/**
 * The auth conformance suite for the three shapes of the adapter (local with email and access
 * tokens, sessions only, OIDC only), each instance on a fresh database and kv of `stores`.
 * `storageOnly` leaves out the sessions-only shape: it reaches no table or key the first shape
 * does not (it differs in policy), so another database needs only the other two, each of whose
 * instances costs a fresh database.
 */
export function describeLocalAuthConformance(stores: TestStores, { storageOnly = false } = {}): void {
  const fixtures = new Map<string, Fixture>();
  // Each DROP DATABASE waits for a checkpoint: a hundred take minutes on a busy server.
  afterAll(async () => {
    await disposeFixtures();
    await stores.cleanup();
  }, 600_000);

  describeAuthConformance({
    name: `local: argon2id, email, access tokens (${stores.name})`,
    factory: async ({ clock, id }) => {
      const fixture = await createFixture({ clock, stores, accessTokens: true });
      fixtures.set(id, fixture);
      return fixture.auth;
    },
    capabilities: { passwords: true, tokenDelivery: true, accessTokens: true, oidc: false },
    sentTokens: async ({ id }) => fixtures.get(id)?.sentTokens() ?? [],
  });

  if (!storageOnly)
    describeAuthConformance({
      name: `local: sessions only (${stores.name})`,
      factory: async ({ clock }) =>
        (
          await createFixture({
            clock,
            stores,
            withEmail: false,
            sessions: { idleTimeoutMs: 5 * 60_000, absoluteTimeoutMs: 60 * 60_000 },
          })
        ).auth,
      capabilities: { passwords: true, tokenDelivery: false, accessTokens: false, oidc: false },
    });

  describeAuthConformance({
    name: `oidc only (${stores.name})`,
    factory: async ({ clock }) => {
      const { sql, kv } = await createFixture({ clock, stores, withEmail: false });
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
}
