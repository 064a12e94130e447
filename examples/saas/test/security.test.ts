import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { Client, eventually, newEmail, tokenOf } from './client.js';

// Attacks from issue 13 (items 12–15), each against the running example over real HTTP.
const password = 'plum orbit granite 42';
const adminToken = 'admin-token-for-the-security-test-0123456789';

describe('saas example security', () => {
  let dataDir: string;
  let app: RunningApp;

  beforeAll(async () => {
    // The default profile keeps files in the data folder, so /health has paths to leak.
    dataDir = mkdtempSync(join(tmpdir(), 'keel-saas-security-'));
    app = await startApp({
      env: { KEEL_PROFILE: 'default', KEEL_DATA_DIR: dataDir, KEEL_APP_ADMIN_TOKEN: adminToken },
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('sign-up for an address that has an account (item 12)', () => {
    it("tells the visitor nothing, and shows them none of the owner's mail", async () => {
      const email = newEmail('victim');
      const victim = new Client(app.url);
      await victim.signup(email, password, 'Victim Private Co');
      const attacker = new Client(app.url);
      const taken = await attacker.post('/api/signup', { email, password: 'attacker passphrase 99' });
      const fresh = await new Client(app.url).post('/api/signup', { email: newEmail('n'), password });
      expect([taken.status, taken.body]).toEqual([fresh.status, fresh.body]);
      expect(taken.body.error).toBeUndefined();

      // The owner's notice carries a reset link: once it is in the owner's mail, the attacker's
      // dev mailbox (tied to the id sign-up answered, which nobody has) must not show it.
      const notice = await victim.mailLink(/^Someone tried to sign up/);
      const seen = await attacker.get('/api/outbox');
      expect(seen).toMatchObject({ status: 200, body: { messages: [] } });
      const page = (await attacker.get('/')).body;
      expect(page).toContain('id="signup"');
      expect(page).not.toContain(tokenOf(notice));
      expect(page).not.toContain('Victim Private Co');
      // Nor does the attacker's password sign in; the owner's still does.
      const login = await attacker.post('/api/login', { email, password: 'attacker passphrase 99' });
      expect(login).toMatchObject({ status: 401, body: { error: { code: 'INVALID_CREDENTIALS' } } });
      expect((await new Client(app.url).post('/api/login', { email, password })).status).toBe(200);
    });

    it('shows no mail for a forged or unknown dev mailbox cookie', async () => {
      const { userId } = await new Client(app.url).signup(newEmail('owner'));
      for (const value of [userId, 'A'.repeat(43), '%E0%A4%A']) {
        const res = await fetch(`${app.url}/api/outbox`, { headers: { cookie: `__Host-dev-mailbox=${value}` } });
        expect(res.status, value).toBe(401);
      }
    });
  });

  describe('the outbox (item 13)', () => {
    it("shows each user only their own mail when one address is a substring of another's", async () => {
      const short = newEmail('e');
      const long = `alic${short}`; // alice-…@example.test contains e-…@example.test
      const alice = new Client(app.url);
      const e = new Client(app.url);
      await alice.signup(long, password, 'Alice Secret Co');
      await e.signup(short, password, 'E Co');

      // The verification mail, then the welcome mail at the first sign-in: all to e, none of Alice's.
      const eMail = await eventually(async () => {
        const messages = (await e.get('/api/outbox')).body.messages;
        return messages.length === 2 ? messages : undefined;
      });
      expect(eMail.map((m: { to: string[] }) => m.to)).toEqual([[short], [short]]);
      expect(JSON.stringify(eMail)).not.toContain('Alice Secret Co');
      expect((await e.get('/')).body).not.toContain(long);

      const aliceMail = (await alice.get('/api/outbox')).body.messages;
      expect(aliceMail.map((m: { to: string[] }) => m.to)).toEqual([[long], [long]]);
      expect(aliceMail.find((m: { subject: string }) => m.subject.startsWith('Welcome')).text).toContain(
        '"Alice Secret Co"',
      );
    });
  });

  describe('cross-site changes (item 14)', () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const formType = { 'content-type': 'application/x-www-form-urlencoded' };

    it('refuses a form-encoded log-in and sign-up: no session, no account', async () => {
      const email = newEmail('form');
      const attacker = new Client(app.url);
      const signup = await attacker.post('/api/signup', form({ email, password }), formType);
      expect(signup).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      expect(signup.body.error.message).toContain('application/json');
      // No account was made: the JSON sign-up of the same address makes one (a taken address
      // would get no verification mail, and this would fail).
      await new Client(app.url).signup(email, password);

      const login = await attacker.post('/api/login', form({ email, password }), formType);
      expect(login).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      expect(login.headers.getSetCookie()).toEqual([]);
      for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/jsonx']) {
        const res = await attacker.post('/api/login', JSON.stringify({ email, password }), { 'content-type': type });
        expect(res.status, type).toBe(415);
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    });

    it('needs application/json on a change with no body too', async () => {
      const client = new Client(app.url);
      await client.signup(newEmail('nobody'));
      const res = await client.request('POST', '/api/logout', undefined, { 'content-type': 'text/plain' });
      expect(res).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      const bare = await client.request('POST', '/api/logout');
      expect(bare.status).toBe(415);
      expect((await client.get('/api/me')).status).toBe(200);
    });

    it('refuses a cross-site Origin or Sec-Fetch-Site on log-in, sign-up and signed-in changes', async () => {
      const email = newEmail('xsite');
      const victim = new Client(app.url);
      const { workspaceId } = await victim.signup(email);
      const crossSite: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: `${app.url}.evil.example` },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { origin: app.url, 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of crossSite) {
        const what = JSON.stringify(headers);
        const login = await new Client(app.url).post('/api/login', { email, password }, headers);
        expect(login, what).toMatchObject({ status: 403, body: { error: { code: 'CROSS_SITE_REJECTED' } } });
        expect(login.headers.getSetCookie(), what).toEqual([]);
        const signup = await new Client(app.url).post('/api/signup', { email: newEmail('x'), password }, headers);
        expect(signup.status, what).toBe(403);
        const verify = await new Client(app.url).post('/api/verify-email', { token: 'x'.repeat(43) }, headers);
        expect(verify.status, what).toBe(403);
        // With the victim's cookies and CSRF token: still refused.
        const task = await victim.post(`/api/workspaces/${workspaceId}/tasks`, { title: 'planted' }, headers);
        expect(task.status, what).toBe(403);
      }
      expect((await victim.get(`/api/workspaces/${workspaceId}/tasks`)).body.tasks).toEqual([]);
    });

    it('accepts same-origin browser requests and requests with neither header', async () => {
      const email = newEmail('same');
      const browser = new Client(app.url);
      const sameOrigin = { origin: app.url, 'sec-fetch-site': 'same-origin' };
      expect((await browser.post('/api/signup', { email, password }, sameOrigin)).status).toBe(202);
      const token = tokenOf(await browser.mailLink(/^Confirm your email/));
      expect((await browser.post('/api/verify-email', { token }, sameOrigin)).status).toBe(200);
      expect((await browser.post('/api/login', { email, password }, { origin: app.url })).status).toBe(200);
      expect((await browser.post('/api/logout', {}, sameOrigin)).status).toBe(200);
      expect((await browser.post('/api/login', { email, password }, { origin: app.url })).status).toBe(200);
      expect((await browser.post('/api/workspaces', { name: 'typed URL' }, { 'sec-fetch-site': 'none' })).status).toBe(
        201,
      );
      expect((await new Client(app.url).post('/api/login', { email, password })).status).toBe(200);
    });
  });

  describe('/health (item 15)', () => {
    it('tells an anonymous caller only ok or not ok', async () => {
      const res = await fetch(`${app.url}/health`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(JSON.parse(text)).toEqual({ ok: true });
      expect(text).not.toContain(dataDir);
    });

    it('gives the details to the admin token, and refuses a wrong one', async () => {
      const admin = await fetch(`${app.url}/health`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(admin.status).toBe(200);
      const body = (await admin.json()) as { ok: boolean; profile: string; instances: { interface: string }[] };
      expect(body).toMatchObject({ ok: true, profile: 'default' });
      expect(body.instances.map((i) => i.interface)).toEqual(['kv', 'sql', 'email', 'messaging', 'auth']);
      for (const authorization of [`Bearer ${adminToken}x`, 'Bearer ', `Basic ${adminToken}`]) {
        const wrong = await fetch(`${app.url}/health`, { headers: { authorization } });
        const text = await wrong.text();
        expect(wrong.status, authorization).toBe(401);
        expect(JSON.parse(text).error.code).toBe('UNAUTHENTICATED');
        expect(text).not.toContain(dataDir);
      }
    });

    it('has readiness and liveness probes that tell an anonymous caller no more than ok', async () => {
      for (const path of ['/health/ready', '/health/live']) {
        const res = await fetch(`${app.url}${path}`);
        const text = await res.text();
        expect([res.status, JSON.parse(text)], path).toEqual([200, { ok: true }]);
        expect(text).not.toContain(dataDir);
      }
      const admin = await fetch(`${app.url}/health/ready`, { headers: { authorization: `Bearer ${adminToken}` } });
      const body = (await admin.json()) as { instances: { interface: string }[] };
      expect(body.instances.map((i) => i.interface)).toEqual(['kv', 'sql', 'email', 'messaging', 'auth']);
      const wrong = await fetch(`${app.url}/health/ready`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    });

    it('gives the metrics and the slowest calls to the admin token only', async () => {
      for (const path of ['/metrics', '/api/admin/slow']) {
        expect((await fetch(`${app.url}${path}`)).status, path).toBe(401);
      }
      const auth = { headers: { authorization: `Bearer ${adminToken}` } };
      const metrics = await fetch(`${app.url}/metrics`, auth);
      expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await metrics.text();
      // The calls the earlier tests made, per interface, as Prometheus reads them.
      for (const iface of ['kv', 'sql', 'auth']) {
        expect(text).toMatch(
          new RegExp(`^keel_operation_duration_seconds_count\\{interface="${iface}",[^}]*\\} [1-9]`, 'm'),
        );
      }
      expect(text).toMatch(/^keel_instance_up\{interface="sql",instance="default",adapter="sqlite"\} 1$/m);
      expect(text).not.toContain(dataDir);
      const slow = (await (await fetch(`${app.url}/api/admin/slow`, auth)).json()) as {
        calls: { durationMs: number }[];
      };
      expect(slow.calls.length).toBeGreaterThan(0);
      const durations = slow.calls.map((c) => c.durationMs);
      expect(durations).toEqual([...durations].sort((a, b) => b - a));
    });

    it('answers an unhealthy adapter with 503 and only { ok: false } to an anonymous caller', async () => {
      const sick = await startApp({ env: { KEEL_PROFILE: 'test', KEEL_APP_ADMIN_TOKEN: adminToken } });
      try {
        await sick.keel.email.close(); // a closed adapter reports not ok, with its error
        const anonymous = await fetch(`${sick.url}/health`);
        expect(anonymous.status).toBe(503);
        expect(await anonymous.json()).toEqual({ ok: false });
        const admin = await fetch(`${sick.url}/health`, { headers: { authorization: `Bearer ${adminToken}` } });
        expect(admin.status).toBe(503);
        const { instances } = (await admin.json()) as {
          instances: { interface: string; ok: boolean; error?: string }[];
        };
        expect(instances.find((i) => i.interface === 'email')).toMatchObject({ ok: false, error: 'closed' });
      } finally {
        await sick.close();
      }
    });

    it('has no admin without KEEL_APP_ADMIN_TOKEN, and refuses a short one at start-up', async () => {
      const plain = await startApp({ env: { KEEL_PROFILE: 'test' } });
      try {
        const res = await fetch(`${plain.url}/health`, { headers: { authorization: `Bearer ${adminToken}` } });
        expect(res.status).toBe(401);
        expect(await (await fetch(`${plain.url}/health`)).json()).toEqual({ ok: true });
      } finally {
        await plain.close();
      }
      await expect(startApp({ env: { KEEL_PROFILE: 'test', KEEL_APP_ADMIN_TOKEN: 'short' } })).rejects.toThrow(
        'KEEL_APP_ADMIN_TOKEN',
      );
    });
  });
});
