import { expectErr, expectOk } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPermission, permissionMatches } from '@keel/core';
import { clearSessionCookie, createCsrfProtection, readCookie, sessionCookie } from '../src/index.js';
import { createRbac } from '../src/rbac.js';
import { createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

const segment = fc.constantFrom('posts', 'comments', 'read', 'write', 'delete', 'drafts', 'billing', 'x');
const permission = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join(':'));
const pattern = fc.array(fc.oneof(segment, fc.constant('*')), { minLength: 1, maxLength: 4 }).map((s) => s.join(':'));

/** The reference: a pattern as a regular expression (`*` one segment; a trailing `*` one or more). */
function reference(p: string, q: string): boolean {
  const parts = p.split(':');
  const body = parts
    .map((s, i) => (s === '*' ? (i === parts.length - 1 ? '[^:]+(?::[^:]+)*' : '[^:]+') : s.replace(/[.]/g, '\\.')))
    .join(':');
  return new RegExp(`^${body}$`).test(q);
}

describe('RBAC', () => {
  it('matches permissions like the reference model', () => {
    fc.assert(
      fc.property(pattern, permission, (p, q) => {
        expect(permissionMatches(p, q)).toBe(reference(p, q));
      }),
      { numRuns: 2000 },
    );
  });

  it('grants nothing more when a pattern is made more specific', () => {
    fc.assert(
      fc.property(pattern, segment, permission, (p, s, q) => {
        const narrower = p.endsWith('*') ? `${p.slice(0, -1)}${s}` : p;
        if (permissionMatches(narrower, q)) expect(permissionMatches(p, q)).toBe(true);
      }),
    );
  });

  it('expands roles to the union of their permissions; unknown roles grant nothing', () => {
    const rbac = createRbac({
      admin: ['*'],
      editor: ['posts:*', 'comments:read'],
      viewer: ['posts:read', 'comments:read'],
    });
    expect(rbac.permissionsOf(['editor', 'viewer'])).toEqual(['posts:*', 'comments:read', 'posts:read']);
    expect(rbac.permissionsOf(['ghost'])).toEqual([]);
    expect(hasPermission(rbac.permissionsOf(['admin']), 'anything:at:all')).toBe(true);
  });

  it('setRoles refuses roles that config does not define', async () => {
    const f = await createFixture();
    const user = expectOk(await f.auth.register({ email: 'ada@example.com', password: 'roles passphrase 1' }));
    expect(expectErr(await f.auth.setRoles(user.id, ['editor', 'superuser']), 'INVALID_ARGUMENT').message).toContain(
      'superuser',
    );
  });
});

describe('CSRF and cookies', () => {
  const csrf = createCsrfProtection({ secret: 'a csrf secret of at least 32 bytes!!' });

  it('accepts a token only for the session it was issued to, in constant-time comparisons', () => {
    const token = csrf.issue('session-a');
    expect(csrf.verify('session-a', token)).toBe(true);
    expect(csrf.verify('session-b', token)).toBe(false);
    expect(csrf.verify('session-a', `${token}x`)).toBe(false);
    expect(
      csrf.verify(
        'session-a',
        token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toBe(false);
    expect(csrf.verify('session-a', undefined)).toBe(false);
    expect(createCsrfProtection({ secret: 'another secret of at least 32 bytes!' }).verify('session-a', token)).toBe(
      false,
    );
    fc.assert(
      fc.property(fc.string(), (forged) => {
        expect(csrf.verify('session-a', forged)).toBe(false);
      }),
    );
  });

  it('lets safe methods through and checks the rest, with the double-submit cookie', () => {
    const token = csrf.issue('s1');
    expect(csrf.check({ method: 'GET', sessionId: 's1', token: undefined })).toBe(true);
    expect(csrf.check({ method: 'POST', sessionId: 's1', token: undefined })).toBe(false);
    expect(csrf.check({ method: 'post', sessionId: 's1', token })).toBe(true);
    expect(csrf.check({ method: 'DELETE', sessionId: 's1', token, cookieToken: token })).toBe(true);
    expect(csrf.check({ method: 'PUT', sessionId: 's1', token, cookieToken: csrf.issue('s1') })).toBe(false);
    expect(csrf.check({ method: 'PATCH', sessionId: 's1', token, cookieToken: null })).toBe(false);
    expect(() => createCsrfProtection({ secret: 'short' })).toThrow(TypeError);
  });

  it('sets the session cookie __Host-, HttpOnly, Secure, SameSite=Lax, until the absolute expiry', () => {
    const expiresAt = Date.UTC(2030, 0, 1);
    const cookie = sessionCookie('tok_en-123', expiresAt);
    expect(cookie).toMatch(
      /^__Host-session=tok_en-123; Path=\/; SameSite=Lax; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Max-Age=\d+; HttpOnly; Secure$/,
    );
    expect(clearSessionCookie()).toMatch(
      /^__Host-session=; Path=\/; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure$/,
    );
    expect(csrf.cookie('abc')).toBe('__Host-csrf=abc; Path=/; SameSite=Lax; Secure');
    expect(() => sessionCookie('t', expiresAt, { secure: false })).toThrow(/__Host-/);
    expect(() => sessionCookie('t', expiresAt, { name: 'sid', sameSite: 'None', secure: false })).toThrow(
      /SameSite=None/,
    );
    expect(readCookie('a=1; __Host-session=tok%20en; b=2', '__Host-session')).toBe('tok en');
    expect(readCookie(undefined, 'a')).toBeUndefined();
  });
});
