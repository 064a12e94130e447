import { createMemoryKv } from '@keel/adapter-kv-memory';
import { type Kv, ResultAsync } from '@keel/core';
import { expectErr, expectOk, ManualClock } from '@keel/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../src/auth-crypto.js';
import { createFixture, disposeFixtures, type Fixture } from './support/fixture.js';

afterAll(disposeFixtures);

const IDLE = 10 * 60_000;
const ABSOLUTE = 60 * 60_000;
// Sessions record use at most once a minute (IDLE / 10), so the model does the same.
const TOUCH = 60_000;

interface ModelSession {
  user: number;
  token: string;
  sessionId: string;
  created: number;
  seen: number;
  ended: boolean;
}
interface Model {
  now: number;
  sessions: ModelSession[];
}
interface Real {
  f: Fixture;
  users: { id: string; email: string }[];
}

const alive = (m: Model, s: ModelSession) => !s.ended && m.now < s.created + ABSOLUTE && m.now < s.seen + IDLE;

class Login implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const u = r.users[this.user] as Real['users'][number];
    const session = expectOk(await r.f.auth.login({ email: u.email, password: 'model passphrase 123' }));
    m.sessions.push({
      user: this.user,
      token: session.token,
      sessionId: session.principal.sessionId,
      created: m.now,
      seen: m.now,
      ended: false,
    });
  }
  toString = () => `login(${this.user})`;
}
class Verify implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  async run(m: Model, r: Real) {
    const s = m.sessions[this.pick % m.sessions.length] as ModelSession;
    const result = await r.f.auth.verifySession(s.token);
    expect(result.isOk(), `session ${s.sessionId} at +${m.now - s.created} ms`).toBe(alive(m, s));
    if (result.isOk()) {
      expect(result.value.userId).toBe(r.users[s.user]?.id);
      if (m.now - s.seen >= TOUCH) s.seen = m.now;
    } else {
      expect(['INVALID_TOKEN', 'EXPIRED']).toContain(result.error.code);
      s.ended = true;
    }
  }
  toString = () => `verify(${this.pick})`;
}
class Logout implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  async run(m: Model, r: Real) {
    const s = m.sessions[this.pick % m.sessions.length] as ModelSession;
    expectOk(await r.f.auth.logout(s.token));
    s.ended = true;
  }
  toString = () => `logout(${this.pick})`;
}
class RevokeById implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  async run(m: Model, r: Real) {
    const s = m.sessions[this.pick % m.sessions.length] as ModelSession;
    const existed = expectOk(await r.f.auth.revokeSession(s.sessionId));
    if (alive(m, s)) expect(existed).toBe(true);
    s.ended = true;
  }
  toString = () => `revokeSession(${this.pick})`;
}
class LogoutEverywhere implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const mine = m.sessions.filter((s) => s.user === this.user);
    const count = expectOk(await r.f.auth.logoutEverywhere(r.users[this.user]?.id as string));
    expect(count).toBe(mine.filter((s) => alive(m, s)).length);
    for (const s of mine) s.ended = true;
  }
  toString = () => `logoutEverywhere(${this.user})`;
}
class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    m.now += this.ms;
    r.f.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

describe('sessions', () => {
  it('behave like a simple model under random logins, uses, revocations and time', async () => {
    const f = await createFixture({ sessions: { idleTimeoutMs: IDLE, absoluteTimeoutMs: ABSOLUTE } });
    const users: Real['users'] = [];
    for (let i = 0; i < 3; i++) {
      const email = `model${i}@example.com`;
      users.push({ id: expectOk(await f.auth.register({ email, password: 'model passphrase 123' })).id, email });
    }
    const commands = [
      fc.nat(2).map((u) => new Login(u)),
      fc.nat(50).map((p) => new Verify(p)),
      fc.nat(50).map((p) => new Verify(p)),
      fc.nat(50).map((p) => new Logout(p)),
      fc.nat(50).map((p) => new RevokeById(p)),
      fc.nat(2).map((u) => new LogoutEverywhere(u)),
      fc
        .oneof(
          fc.integer({ min: 1, max: 2 * TOUCH }),
          fc.integer({ min: IDLE - 2000, max: IDLE + 2000 }),
          fc.constantFrom(IDLE, TOUCH, ABSOLUTE),
        )
        .map((ms) => new Advance(ms)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'large' }), async (cmds) => {
        for (const u of users) expectOk(await f.auth.logoutEverywhere(u.id));
        const model: Model = { now: f.clock.now(), sessions: [] };
        await fc.asyncModelRun(() => ({ model, real: { f, users } }), cmds);
      }),
      { numRuns: 60 },
    );
  });

  it('stores only hashes of tokens, in kv and sql', async () => {
    const f = await createFixture({ accessTokens: true });
    const user = expectOk(await f.auth.register({ email: 'ada@example.com', password: 'stored passphrase 42' }));
    const session = expectOk(await f.auth.login({ email: 'ada@example.com', password: 'stored passphrase 42' }));
    expectOk(await f.auth.requestPasswordReset('ada@example.com'));
    expectOk(await f.auth.requestEmailVerification(user.id));
    await f.auth.close();
    const secrets = [session.token, session.tokens?.refreshToken as string, ...f.sentTokens().map((t) => t.token)];
    // Session, refresh, and three one-time tokens (verification on register, reset, verification again).
    expect(secrets).toHaveLength(5);
    const kvDump = JSON.stringify(expectOk(await f.kv.scan({ limit: 10_000 })).entries, (_k, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v,
    );
    const sqlDump = JSON.stringify(expectOk(await f.sql.query('SELECT * FROM auth_tokens')).rows);
    for (const secret of secrets) {
      expect(kvDump).not.toContain(secret);
      expect(sqlDump).not.toContain(secret);
    }
    expect(kvDump).toContain(tokenHash(session.token));
    expect(JSON.stringify(expectOk(await f.sql.query('SELECT password_hash FROM auth_users')).rows)).toMatch(
      /\$argon2id\$v=19\$m=256,t=1,p=1\$/,
    );
  });

  it("a sign-out everywhere between a login's two writes ends that login too: no session outlives it unindexed", async () => {
    const clock = new ManualClock();
    const store = createMemoryKv({ clock });
    // The login's session record is written only when the gate opens, after its index.
    let reached = () => {};
    const atRecord = new Promise<void>((resolve) => (reached = resolve));
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let holding = false;
    const kv: Kv = {
      ...store,
      set: (key, value, options) => {
        if (!holding || !key.startsWith('auth:session:')) return store.set(key, value, options);
        reached();
        return new ResultAsync(gate.then(() => store.set(key, value, options)));
      },
    };
    const f = await createFixture({ clock, kv });
    const credentials = { email: 'ada@example.com', password: 'stored passphrase 42' };
    const user = expectOk(await f.auth.register(credentials));
    holding = true;
    const login = f.auth.login(credentials);
    await atRecord;
    expectOk(await f.auth.logoutEverywhere(user.id));
    open();
    expect(expectErr(await login, 'INVALID_CREDENTIALS').message).toMatch(/revoked while/);
    holding = false;
    const sessions = expectOk(await store.scan({ prefix: 'auth:session' })).entries;
    expect(sessions.map((e) => e.key)).toEqual([]);
    // The next login works.
    expectOk(await f.auth.verifySession(expectOk(await f.auth.login(credentials)).token));
  });

  it('a session whose record was tampered with does not verify', async () => {
    const f = await createFixture();
    expectOk(await f.auth.register({ email: 'ada@example.com', password: 'stored passphrase 42' }));
    const a = expectOk(await f.auth.login({ email: 'ada@example.com', password: 'stored passphrase 42' }));
    const b = expectOk(await f.auth.login({ email: 'ada@example.com', password: 'stored passphrase 42' }));
    // Copy b's record under a's key: the hash inside no longer matches the token.
    const recordB = expectOk(await f.kv.get(`auth:session:${tokenHash(b.token)}`));
    expectOk(await f.kv.set(`auth:session:${tokenHash(a.token)}`, recordB as string, { ttlMs: 60_000 }));
    expectErr(await f.auth.verifySession(a.token), 'INVALID_TOKEN');
    expectOk(await f.kv.set(`auth:session:${tokenHash(a.token)}`, 'not json', { ttlMs: 60_000 }));
    expectErr(await f.auth.verifySession(a.token), 'INVALID_TOKEN');
  });
});
