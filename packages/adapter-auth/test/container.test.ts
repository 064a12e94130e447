// Auth built by createKeel: registered like any adapter, started after the sql, kv and email
// instances it declares in `needs`, and reported in Keel's words when one is missing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outboxAdapter } from '@keel/adapter-email';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { sqliteAdapter } from '@keel/adapter-sqlite';
import { createKeel, KeelConfigError, type KeelConfig } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { authAdapters, createLocalAuth, localAuthAdapter, oidcAuthAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-auth-container-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adapters = [sqliteAdapter, memoryKvAdapter, outboxAdapter, ...authAdapters];
const sqlite = (name: string) => ({ adapter: 'sqlite', options: { filename: join(dir, `${name}.db`) } }) as const;

/** The config problems `createKeel` throws for this config. */
async function configIssues(config: KeelConfig): Promise<readonly string[]> {
  const error = await createKeel(config, { adapters, env: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeelConfigError);
  return (error as KeelConfigError).issues;
}

describe('auth in createKeel', () => {
  it('registers both adapters under their ids', () => {
    expect(authAdapters).toEqual([localAuthAdapter, oidcAuthAdapter]);
    expect(authAdapters.map((a) => [a.interface, a.id, a.package])).toEqual([
      ['auth', 'local', '@keel/adapter-auth'],
      ['auth', 'oidc', '@keel/adapter-auth'],
    ]);
  });

  it('is built on the default sql and the kv instance it names, started before it', async () => {
    const keel = expectOk(
      await createKeel(
        {
          // auth first: the start order comes from what it needs, not from the config's order.
          auth: { adapter: 'local', options: { kv: 'sessions', email: false } },
          sql: sqlite('named-kv'),
          kv: { default: { adapter: 'memory' }, sessions: { adapter: 'memory' } },
        },
        { adapters, env: false },
      ),
    );
    try {
      expect(keel.instances.map((i) => `${i.interface}.${i.name}`)).toEqual([
        'sql.default',
        'kv.default',
        'kv.sessions',
        'auth.default',
      ]);
      expect(keel.auth.capabilities).toEqual({
        passwords: true,
        tokenDelivery: false,
        accessTokens: false,
        oidc: false,
      });
      expectOk(await keel.auth.register({ email: 'ada@example.com', password: 'container passphrase' }));
      expectOk(await keel.auth.login({ email: 'ada@example.com', password: 'container passphrase' }));
      expect(expectOk(await keel.kv('sessions').scan({ prefix: 'auth:session:' })).entries).toHaveLength(1);
      expect(expectOk(await keel.kv.scan({ prefix: 'auth:' })).entries).toEqual([]);
      expect(expectOk(await keel.sql.query('SELECT email FROM auth_users')).rows).toEqual([['ada@example.com']]);
    } finally {
      await keel.close();
    }
  });

  it('takes the app’s instance accessors (`keel.sql`, functions with the methods) as instances', async () => {
    const keel = expectOk(
      await createKeel({ sql: sqlite('accessors'), kv: { adapter: 'memory' } }, { adapters, env: false }),
    );
    const auth = createLocalAuth({ sql: keel.sql, kv: keel.kv, email: false });
    try {
      expect(typeof keel.sql).toBe('function');
      expectOk(await auth.register({ email: 'ada@example.com', password: 'container passphrase' }));
      expect(expectOk(await keel.sql.query('SELECT email FROM auth_users')).rows).toEqual([['ada@example.com']]);
    } finally {
      await auth.close();
      await keel.close();
    }
  });

  it('sends reset emails through the default email instance, when the app has one', async () => {
    const keel = expectOk(
      await createKeel(
        {
          sql: sqlite('email'),
          kv: { adapter: 'memory' },
          email: { adapter: 'outbox' },
          auth: { adapter: 'local', options: { mail: { from: 'Acme <no-reply@acme.test>', delivery: 'await' } } },
        },
        { adapters, env: false },
      ),
    );
    try {
      expect(keel.auth.capabilities.tokenDelivery).toBe(true);
      expectOk(await keel.auth.register({ email: 'ada@example.com', password: 'container passphrase' }));
      const outbox = keel.email as unknown as { messages(): readonly { message: { subject: string } }[] };
      expect(outbox.messages().map((m) => m.message.subject)).toEqual(['Confirm your email for Keel']);
    } finally {
      await keel.close();
    }
  });

  it('with no sql section, says what to add, in Keel’s words (issue 12, item 8)', async () => {
    const issues = await configIssues({
      kv: { adapter: 'memory' },
      auth: { adapter: 'local', options: { email: false } },
    });
    expect(issues).toEqual([
      "auth: the auth adapter 'local' needs a sql instance, and none is configured: add a 'sql' section to the config",
    ]);
    // Nothing of the container's machinery: no tokens, symbols or resolution.
    for (const issue of issues) expect(issue).not.toMatch(/token|symbol|resolve|container|tsyringe|dependency/i);
  });

  it('names the instances it names that are not configured, each at its option', async () => {
    const needs = await configIssues({
      sql: sqlite('missing'),
      kv: { adapter: 'memory' },
      auth: { adapter: 'local', options: { kv: 'sessions', email: 'transactional' } },
    });
    expect(needs).toEqual([
      "auth.options.kv: names the kv instance 'sessions', which is not configured (configured: default)",
      "auth.options.email: names the email instance 'transactional', which is not configured (configured: none)",
    ]);
  });

  it('asks for a sender when emails would go out without one (issue 12, item 4)', async () => {
    // The root README's config reference: an email instance, and auth with no options.
    const issues = await configIssues({
      sql: sqlite('sender'),
      kv: { adapter: 'memory' },
      email: { adapter: 'outbox' },
      auth: { adapter: 'local' },
    });
    expect(issues).toEqual([
      "auth.options.mail.from: is required: reset and verification emails go out through the app's default email " +
        "instance (adapter 'outbox') and need a sender, such as 'Acme <no-reply@acme.test>'. Set mail.from, or " +
        'email: false to send none',
    ]);
  });

  it("refuses registration.enumeration 'hide' when the app has no email instance, and hides with one", async () => {
    const hide = { registration: { enumeration: 'hide' } } as const;
    const issues = await configIssues({
      sql: sqlite('hide-no-email'),
      kv: { adapter: 'memory' },
      auth: { adapter: 'local', options: hide },
    });
    expect(issues).toEqual([
      "auth.options.registration.enumeration: 'hide' tells the account's owner by email: it needs email or " +
        'deliverToken',
    ]);
    const keel = expectOk(
      await createKeel(
        {
          sql: sqlite('hide'),
          kv: { adapter: 'memory' },
          email: { adapter: 'outbox' },
          auth: {
            adapter: 'local',
            options: { ...hide, mail: { from: 'Acme <no-reply@acme.test>', delivery: 'await' } },
          },
        },
        { adapters, env: false },
      ),
    );
    try {
      expectOk(await keel.auth.register({ email: 'ada@example.com', password: 'container passphrase' }));
      expectOk(await keel.auth.register({ email: 'ada@example.com', password: 'another passphrase 1' }));
      const outbox = keel.email as unknown as { messages(): readonly { message: { subject: string } }[] };
      expect(outbox.messages().map((m) => m.message.subject)).toEqual([
        'Confirm your email for Keel',
        'Someone tried to sign up for Keel with your email',
      ]);
    } finally {
      await keel.close();
    }
  });

  it('reports the oidc adapter’s options with their full path', async () => {
    const issues = await configIssues({
      sql: sqlite('oidc-options'),
      kv: { adapter: 'memory' },
      auth: { adapter: 'oidc', options: { passwords: true, oidc: { providers: [] } } as never },
    });
    expect(issues).toEqual([
      'auth.options.oidc.providers: expected at least one provider, got an array',
      expect.stringMatching(/^auth\.options\.passwords: is not an option/),
    ]);
  });

  it('builds the oidc adapter without passwords, and asks for no sender', async () => {
    const keel = expectOk(
      await createKeel(
        {
          sql: sqlite('oidc'),
          kv: { adapter: 'memory' },
          // Without passwords no reset or verification email goes out, so no sender is asked for.
          email: { adapter: 'outbox' },
          auth: {
            adapter: 'oidc',
            options: {
              oidc: {
                providers: [
                  {
                    name: 'corp',
                    issuer: 'https://issuer.invalid',
                    clientId: 'app',
                    redirectUri: 'https://a.example/cb',
                  },
                ],
              },
            },
          },
        },
        { adapters, env: false },
      ),
    );
    try {
      expect(keel.auth.adapter).toBe('oidc');
      expect(keel.auth.capabilities).toEqual({
        passwords: false,
        tokenDelivery: false,
        accessTokens: false,
        oidc: true,
      });
    } finally {
      await keel.close();
    }
  });
});
