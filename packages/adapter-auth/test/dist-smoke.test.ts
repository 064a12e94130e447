import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/adapter-auth` and `@keel/core` resolve to their `dist`. It is ESM only: a CommonJS
// app `require()`s the same ESM build (Node ≥ 20.19), so there is one copy of core.
const pkg = fileURLToPath(new URL('..', import.meta.url));

const script = (load: string) => `
  ${load}
  const hasher = createArgon2Hasher({ memoryCost: 256, timeCost: 1 });
  const hash = await hasher.hash('smoke passphrase');
  const csrf = createCsrfProtection({ secret: 'a csrf secret of at least 32 bytes!!' });
  let optionsError = '';
  try { createLocalAuth({ email: false }); } catch (e) { optionsError = e.name; }
  // Through the container, the adapters registered: auth starts after the sql and kv it needs.
  const keel = (await createKeel(
    {
      auth: {
        adapter: 'local',
        options: {
          email: false,
          argon2: { memoryCost: 256, timeCost: 1 },
          // GitHub sign-in starts without the network: arctic, a dependency, loads from the build.
          oidc: { providers: [github({ clientId: 'c', clientSecret: 's', redirectUri: 'https://a.example/cb' })] },
        },
      },
      sql: { adapter: 'sqlite', options: { filename: ':memory:' } },
      kv: { adapter: 'memory' },
    },
    { env: false, adapters: [...authAdapters, sqliteAdapter, memoryKvAdapter] },
  ))._unsafeUnwrap();
  (await keel.auth.register({ email: 'ada@example.com', password: 'smoke passphrase 1' }))._unsafeUnwrap();
  const wrong = await keel.auth.login({ email: 'ada@example.com', password: 'not the passphrase' });
  const githubUrl = new URL((await keel.auth.beginOidcLogin('github'))._unsafeUnwrap().url);
  await keel.close();
  console.log(JSON.stringify({
    verified: await hasher.verify(hash, 'smoke passphrase'),
    csrf: csrf.verify('s', csrf.issue('s')),
    okta: okta({ domain: 'acme.okta.com', clientId: 'c', redirectUri: 'https://a.example/cb' }).issuer,
    optionsError,
    github: [githubUrl.origin + githubUrl.pathname, githubUrl.searchParams.get('code_challenge_method')],
    order: keel.instances.map((i) => i.interface),
    code: wrong._unsafeUnwrapErr().code,
    authError: wrong._unsafeUnwrapErr() instanceof AuthError,
  }));`;

const names = 'authAdapters, createArgon2Hasher, createCsrfProtection, createLocalAuth, github, okta';
const others = `
  import { createKeel, AuthError } from '@keel/core';
  import { sqliteAdapter } from '@keel/adapter-sqlite';
  import { memoryKvAdapter } from '@keel/adapter-kv-memory';`;

const run = (code: string) => runBuilt(new URL('..', import.meta.url), code);

const expected = {
  verified: true,
  csrf: true,
  okta: 'https://acme.okta.com/oauth2/default',
  optionsError: 'KeelOptionsError',
  github: ['https://github.com/login/oauth/authorize', 'S256'],
  order: ['sql', 'kv', 'auth'],
  code: 'INVALID_CREDENTIALS',
  authError: true,
};

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(`${pkg}/dist/index.js`)).toBe(true);
  });

  it('works from ESM', () => {
    const load = `${others}
      import { ${names} } from '@keel/adapter-auth';`;
    const child = run(script(load));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });

  it('works when required, as a CommonJS app would load it: the one ESM build', () => {
    const load = `${others}
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const { ${names} } = require('@keel/adapter-auth');`;
    const child = run(script(load));
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });
});
