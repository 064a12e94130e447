import type { Sql } from '@keel/core';
import { authConformanceRoles, describeAuthConformance, type SentAuthToken } from '@keel/testing';
import { afterAll } from 'vitest';
import { createBetterAuth } from '../../src/index.js';

/** Where each instance keeps its tables: a fresh database, or a fresh table prefix in one. */
export interface TestDatabase {
  readonly name: string;
  open(): Promise<{ readonly sql: Sql; readonly tablePrefix: string; dispose(): Promise<void> }>;
  cleanup(): Promise<void>;
}

// better-auth reads the system clock (it takes no clock), so the suite keeps real time and its
// time-based tests wait: sessions here are short, and the idle test leaves 1 s of margin per use.
const sessions = { idleTimeoutMs: 2000, touchAfterMs: 0, absoluteTimeoutMs: 5000 };

/** The auth conformance suite on better-auth, each instance on its own tables of `db`. */
export function describeBetterAuthConformance(db: TestDatabase): void {
  const sent = new Map<string, SentAuthToken[]>();
  const opened: { dispose(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((o) => o.dispose()));
    await db.cleanup();
  }, 120_000);

  describeAuthConformance({
    name: `better-auth (${db.name})`,
    time: 'real',
    factory: async ({ id }) => {
      const { sql, tablePrefix, dispose } = await db.open();
      opened.push({ dispose });
      const tokens: SentAuthToken[] = [];
      sent.set(id, tokens);
      return createBetterAuth({
        sql,
        tablePrefix,
        secret: 'a test secret that is long enough to sign tokens',
        roles: { ...authConformanceRoles },
        defaultRoles: ['member'],
        sessions,
        deliverToken: ({ kind, email, token }) => {
          tokens.push({ kind, email, token });
        },
      });
    },
    capabilities: { passwords: true, tokenDelivery: true, accessTokens: false, oidc: false },
    sentTokens: async ({ id }) => sent.get(id) ?? [],
    numRuns: 8,
    skip: {
      'locks an account after repeated failures — known or not — and lets it in again later':
        'better-auth has no per-account lockout: it limits requests per IP (its rate limiter, off here as Keel apps limit with @keel/ratelimit)',
      'keeps a session in use alive until its absolute expiry, and no longer':
        "under time: 'real' the suite's clock lags real time by the sign-up's and sign-in's own duration, so its last use " +
        'lands past the absolute expiry; test/sessions.test.ts checks the absolute expiry against real time',
      'refuses a reset token after it expires':
        "better-auth reads the system clock, not an injectable one, and the test moves time 40 days; the expiry itself is better-auth's (resetTokenTtlMs)",
    },
  });
}
