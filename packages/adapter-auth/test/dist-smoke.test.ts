import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way a user gets it: plain `node`, no source condition.
const pkg = fileURLToPath(new URL('..', import.meta.url));

const script = (load: string) => `
  ${load}
  const hasher = createArgon2Hasher({ memoryCost: 256, timeCost: 1 });
  const hash = await hasher.hash('smoke passphrase');
  const csrf = createCsrfProtection({ secret: 'a csrf secret of at least 32 bytes!!' });
  let optionsError = '';
  try { createLocalAuth({ email: false }); } catch (e) { optionsError = e.name; }
  console.log(JSON.stringify({
    verified: await hasher.verify(hash, 'smoke passphrase'),
    csrf: csrf.verify('s', csrf.issue('s')),
    okta: okta({ domain: 'acme.okta.com', clientId: 'c', redirectUri: 'https://a.example/cb' }).issuer,
    optionsError,
  }));`;

function run(code: string, type: 'module' | 'commonjs') {
  return spawnSync(process.execPath, [`--input-type=${type}`, '-e', code], {
    cwd: pkg,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const expected = {
  verified: true,
  csrf: true,
  okta: 'https://acme.okta.com/oauth2/default',
  optionsError: 'KeelOptionsError',
};

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(`${pkg}/dist/index.js`)).toBe(true);
  });

  it('works from ESM', () => {
    const child = run(
      script("import { createArgon2Hasher, createCsrfProtection, createLocalAuth, okta } from './dist/index.js';"),
      'module',
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });

  it('works from CommonJS', () => {
    const child = run(
      `(async () => { ${script("const { createArgon2Hasher, createCsrfProtection, createLocalAuth, okta } = require('./dist/index.cjs');")} })()`,
      'commonjs',
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(expected);
  });
});
