import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so the package,
// `@keel/core` and `@keel/kysely` resolve to their `dist`, and better-auth to its own build.
const pkg = fileURLToPath(new URL('..', import.meta.url));

const script = `
  import { createKeel, AuthError } from '@keel/core';
  import { sqliteAdapter } from '@keel/adapter-sqlite';
  import { betterAuthAdapter, createBetterAuth } from '@keel/adapter-auth-better-auth';
  let optionsError = '';
  try { createBetterAuth({}); } catch (e) { optionsError = e.name; }
  const keel = (await createKeel(
    { auth: { adapter: 'better-auth' }, sql: { adapter: 'sqlite', options: { filename: ':memory:' } } },
    { env: false, adapters: [betterAuthAdapter, sqliteAdapter] },
  ))._unsafeUnwrap();
  (await keel.auth.register({ email: 'ada@example.com', password: 'smoke passphrase 1' }))._unsafeUnwrap();
  const session = (await keel.auth.login({ email: 'ada@example.com', password: 'smoke passphrase 1' }))._unsafeUnwrap();
  const wrong = await keel.auth.login({ email: 'ada@example.com', password: 'not the passphrase' });
  const verified = (await keel.auth.verifySession(session.token))._unsafeUnwrap();
  await keel.close();
  console.log(JSON.stringify({
    optionsError,
    order: keel.instances.map((i) => i.interface),
    same: verified.userId === session.principal.userId,
    code: wrong._unsafeUnwrapErr().code,
    authError: wrong._unsafeUnwrapErr() instanceof AuthError,
  }));`;

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(`${pkg}/dist/index.js`)).toBe(true);
  });

  it('works from ESM', () => {
    const child = runBuilt(new URL('..', import.meta.url), script);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      optionsError: 'KeelOptionsError',
      order: ['sql', 'auth'],
      same: true,
      code: 'INVALID_CREDENTIALS',
      authError: true,
    });
  });
});
