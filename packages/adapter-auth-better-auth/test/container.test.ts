// better-auth built by createKeel: registered like any adapter, started after the sql it needs.
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { createKeel } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { betterAuthAdapter } from '../src/index.js';

describe('better-auth in createKeel', () => {
  it('registers as auth "better-auth"', () => {
    expect([betterAuthAdapter.interface, betterAuthAdapter.id, betterAuthAdapter.package]).toEqual([
      'auth',
      'better-auth',
      '@keel/adapter-auth-better-auth',
    ]);
  });

  it('is built on the sql instance it names, started before it, and shares its database', async () => {
    const keel = expectOk(
      await createKeel(
        {
          auth: {
            adapter: 'better-auth',
            options: { sql: 'accounts', roles: { member: ['tasks:*'] }, defaultRoles: ['member'] },
          },
          sql: {
            default: { adapter: 'sqlite', options: { filename: ':memory:' } },
            accounts: { adapter: 'sqlite', options: { filename: ':memory:' } },
          },
        },
        { adapters: [sqliteAdapter, betterAuthAdapter], env: false },
      ),
    );
    try {
      expect(keel.instances.map((i) => `${i.interface}:${i.name}`)).toEqual([
        'sql:default',
        'sql:accounts',
        'auth:default',
      ]);
      const user = expectOk(await keel.auth.register({ email: 'ada@example.com', password: 'lantern harbor violet' }));
      const session = expectOk(await keel.auth.login({ email: 'ada@example.com', password: 'lantern harbor violet' }));
      expectOk(await keel.auth.authorize(session.principal, 'tasks:write'));
      expectErr(await keel.auth.authorize(session.principal, 'billing:read'), 'ACCESS_DENIED');
      const accounts = expectOk(await keel.sql('accounts').query('SELECT id FROM "ba_user"'));
      expect(accounts.rows).toEqual([[user.id]]);
      expectErr(await keel.sql.query('SELECT id FROM "ba_user"'), 'QUERY');
      expect((await keel.auth.health()).ok).toBe(true);
    } finally {
      await keel.close();
    }
  });
});
