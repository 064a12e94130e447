import { createSqliteSql } from '@keel/adapter-sqlite';
import { KeelOptionsError } from '@keel/core/adapter';
import { afterAll, describe, expect, it } from 'vitest';
import { type BetterAuthOptions, createBetterAuth } from '../src/index.js';

const sql = createSqliteSql({ filename: ':memory:' });
afterAll(() => sql.close());

/** The problems `createBetterAuth` reports for these options, as `path: problem`. */
function problems(options: Record<string, unknown>): string[] {
  try {
    createBetterAuth(options as BetterAuthOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(KeelOptionsError);
    return (error as KeelOptionsError).issues.map((i) => `${i.path}: ${i.problem}`);
  }
  throw new Error('expected the options to be refused');
}

describe('options', () => {
  it('refuse mistakes with the field named', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ secret: 'short' }, /^secret: expected at least 32 characters/],
      [{ tablePrefix: 'ba"; DROP TABLE x' }, /^tablePrefix: expected up to 31 letters, digits and _/],
      [{ sessions: { idleTimeoutMs: 1500 } }, /^sessions\.idleTimeoutMs: expected whole seconds/],
      [{ sessions: { absoluteTimeoutMs: 'soon' } }, /^sessions\.absoluteTimeoutMs: expected an integer/],
      [{ roles: { admin: ['*'] }, defaultRoles: ['owner'] }, /^defaultRoles\[0\]: is not in roles \(admin\)/],
      [{ roles: { 'has space': ['x'] } }, /^roles\.has space: the role name/],
      [{ resetUrl: 'https://app.example/reset' }, /^resetUrl: expected a URL with \{token\}/],
      [{ deliverToken: 'mail' }, /^deliverToken: expected a function/],
      [{ baseURL: 'not a url' }, /^baseURL: expected an absolute URL/],
      [{ sesions: {} }, /^sesions: is not an option; did you mean 'sessions'/],
    ];
    for (const [options, expected] of cases) {
      const found = problems({ sql, ...options });
      expect(found, JSON.stringify(options)).toHaveLength(1);
      expect(found[0]).toMatch(expected);
    }
  });

  it('needs a sql instance outside createKeel', () => {
    expect(problems({})).toEqual(['sql: is required (a sql instance; only createKeel fills it in from config)']);
    expect(problems({ sql: 'main' })[0]).toMatch(/^sql: names the instance 'main', which only works inside createKeel/);
  });

  it('has no tokenDelivery without deliverToken, and says so', async () => {
    const auth = createBetterAuth({ sql, tablePrefix: 'nodelivery_' });
    expect(auth.capabilities).toEqual({ passwords: true, tokenDelivery: false, accessTokens: false, oidc: false });
    const r = await auth.requestPasswordReset('ada@example.com');
    expect(r.isErr() && r.error.code).toBe('UNSUPPORTED');
    await auth.close();
  });
});
