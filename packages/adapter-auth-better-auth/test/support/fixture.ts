import { createSqliteSql } from '@keel/adapter-sqlite';
import type { Sql } from '@keel/core';
import { afterEach } from 'vitest';
import {
  type BetterAuth,
  type BetterAuthOptions,
  type BetterAuthTokenMessage,
  createBetterAuth,
} from '../../src/index.js';

const open: { auth: BetterAuth; sql: Sql }[] = [];
afterEach(async () => {
  for (const { auth, sql } of open.splice(0)) {
    await auth.close();
    await sql.close();
  }
});

export const roles = { admin: ['*'], member: ['tasks:read', 'tasks:write'] };

/** An instance on a fresh in-memory SQLite database, with the tokens it sent; closed after the test. */
export function fixture(options: Partial<BetterAuthOptions> = {}) {
  const sql = createSqliteSql({ filename: ':memory:' });
  const sent: BetterAuthTokenMessage[] = [];
  const auth = createBetterAuth({
    sql,
    secret: 'a test secret that is long enough to sign tokens',
    roles,
    defaultRoles: ['member'],
    deliverToken: (m) => void sent.push(m),
    ...options,
  });
  open.push({ auth, sql });
  return { auth, sql, sent };
}

/** The last token of a kind sent to `email`, waiting a little for better-auth's background delivery. */
export async function lastToken(
  sent: readonly BetterAuthTokenMessage[],
  kind: BetterAuthTokenMessage['kind'],
  email: string,
) {
  for (let i = 0; i < 200; i++) {
    const found = sent.filter((m) => m.kind === kind && m.email === email).at(-1);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${kind} token for ${email}`);
}
