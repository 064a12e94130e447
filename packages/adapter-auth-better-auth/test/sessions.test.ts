// What this adapter adds to better-auth's sessions and tokens, on real time (better-auth takes no clock).
import { expectErr, expectOk } from '@keel/testing';
import { describe, expect, it } from 'vitest';
import { fixture, lastToken } from './support/fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const password = 'lantern harbor violet 7';

describe('sessions on better-auth', () => {
  it('ends a session in use at its absolute expiry, however often it is used', async () => {
    const { auth } = fixture({ sessions: { idleTimeoutMs: 2000, touchAfterMs: 0, absoluteTimeoutMs: 3000 } });
    expectOk(await auth.register({ email: 'ada@example.com', password }));
    const session = expectOk(await auth.login({ email: 'ada@example.com', password }));
    expect(session.idleExpiresAt).toBeLessThanOrEqual(session.expiresAt);
    expect(session.expiresAt - session.idleExpiresAt).toBeGreaterThanOrEqual(900);
    // Each use moves the idle expiry (better-auth's updateAge 0): used every 0.8 s, it outlives 2 s idle.
    while (Date.now() + 800 < session.expiresAt) {
      await sleep(800);
      expectOk(await auth.verifySession(session.token));
    }
    await sleep(Math.max(0, session.expiresAt - Date.now()) + 5);
    expectErr(await auth.verifySession(session.token), 'EXPIRED');
    // Ended, not only refused: the row is gone.
    expectErr(await auth.verifySession(session.token), 'INVALID_TOKEN');
  });

  it('stores reset and verification tokens only as hashes, and session tokens as better-auth does', async () => {
    const { auth, sql, sent } = fixture();
    const user = expectOk(await auth.register({ email: 'bo@example.com', password }));
    const session = expectOk(await auth.login({ email: 'bo@example.com', password }));
    expectOk(await auth.requestPasswordReset('bo@example.com'));
    const reset = await lastToken(sent, 'password-reset', 'bo@example.com');
    const verification = await lastToken(sent, 'email-verification', 'bo@example.com');
    expect(verification.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verification.userId).toBe(user.id);
    const rows = expectOk(await sql.query('SELECT * FROM "ba_verification"'));
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(reset.token);
    expect(stored).not.toContain(verification.token);
    // better-auth keeps session tokens as they are (see the README): the one place a leak is usable.
    expect(JSON.stringify(expectOk(await sql.query('SELECT token FROM "ba_session"')))).toContain(session.token);
  });

  it('refuses a token of one kind where another is expected, and forged ones', async () => {
    const { auth, sent } = fixture();
    const user = expectOk(await auth.register({ email: 'cy@example.com', password }));
    const session = expectOk(await auth.login({ email: 'cy@example.com', password }));
    const verification = await lastToken(sent, 'email-verification', 'cy@example.com');
    expectOk(await auth.requestPasswordReset('cy@example.com'));
    const reset = await lastToken(sent, 'password-reset', 'cy@example.com');
    expectErr(await auth.verifyEmail(reset.token), 'INVALID_TOKEN');
    expectErr(await auth.verifyEmail(session.token), 'INVALID_TOKEN');
    expectErr(await auth.completePasswordReset(verification.token, 'a new passphrase 2024'), 'INVALID_TOKEN');
    expectErr(await auth.verifySession(reset.token), 'INVALID_TOKEN');
    expectErr(await auth.verifySession(`${session.token}.forged-signature`), 'INVALID_TOKEN');
    expectErr(await auth.verifySession(`${session.token.slice(0, -1)}%`), 'INVALID_TOKEN');
    expectErr(await auth.verifyEmail("x' OR '1'='1"), 'INVALID_TOKEN');
    // Nothing was spent by the attempts.
    expectOk(await auth.verifyEmail(verification.token));
    expect(expectOk(await auth.getUser(user.id))?.emailVerified).toBe(true);
    expectOk(await auth.completePasswordReset(reset.token, 'a new passphrase 2024'));
  });

  it('verifies concurrent uses of one verification token once', async () => {
    const { auth, sent } = fixture();
    expectOk(await auth.register({ email: 'di@example.com', password }));
    const { token } = await lastToken(sent, 'email-verification', 'di@example.com');
    const results = await Promise.all([auth.verifyEmail(token), auth.verifyEmail(token), auth.verifyEmail(token)]);
    expect(results.filter((r) => r.isOk())).toHaveLength(1);
    for (const r of results.filter((r) => r.isErr())) expectErr(r, 'INVALID_TOKEN');
  });

  it('records where a session came from', async () => {
    const { auth, sql } = fixture();
    expectOk(await auth.register({ email: 'ed@example.com', password }));
    expectOk(await auth.login({ email: 'ed@example.com', password }, { ip: '203.0.113.9', userAgent: 'keel-test/1' }));
    const { rows } = expectOk(await sql.query(`SELECT "ipAddress", "userAgent" FROM "ba_session"`));
    expect(rows).toEqual([['203.0.113.9', 'keel-test/1']]);
  });
});
