import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { Client, eventually, newEmail, tokenOf } from './client.js';

// The same suite on both profiles, with no code change: `test` (memory kv, SQLite :memory:)
// and `default` (LevelDB folder, SQLite file, .eml outbox in a temporary data folder).
describe.each(['test', 'default'])('saas example over HTTP, profile %s', (profile) => {
  let dataDir: string;
  let app: RunningApp;
  const adminToken = 'admin-token-of-32-plus-characters-for-health';
  const env = () => ({
    KEEL_PROFILE: profile,
    KEEL_DATA_DIR: dataDir,
    KEEL_APP_RATE_LIMIT_PER_MINUTE: '40',
    KEEL_APP_FREE_PLAN_MAX_TASKS: '5',
    KEEL_APP_ADMIN_TOKEN: adminToken,
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `keel-saas-${profile}-`));
    app = await startApp({ env: env() });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports health for every adapter of the profile to the admin', async () => {
    expect((await new Client(app.url).get('/health')).body).toEqual({ ok: true });
    const res = await new Client(app.url).request('GET', '/health', undefined, {
      authorization: `Bearer ${adminToken}`,
    });
    expect(res.status).toBe(200);
    expect(res.body.profile).toBe(profile);
    const adapters = res.body.instances.map(
      (i: { interface: string; adapter: string }) => `${i.interface}:${i.adapter}`,
    );
    expect(adapters).toEqual(
      profile === 'test'
        ? ['kv:memory', 'sql:sqlite', 'email:outbox', 'messaging:memory', 'auth:local']
        : ['kv:level', 'sql:sqlite', 'email:outbox', 'messaging:memory', 'auth:local'],
    );
  });

  it('an admin closes sign-ups with the `signups` flag (a kill switch in kv), and opens them again', async () => {
    const admin = { authorization: `Bearer ${adminToken}` };
    const client = new Client(app.url);
    const flip = (enabled: unknown) => client.request('PUT', '/api/admin/flags', { key: 'signups', enabled }, admin);
    expect((await client.request('PUT', '/api/admin/flags', { key: 'signups', enabled: false })).status).toBe(401);
    expect((await flip('no')).status).toBe(400);
    expect((await flip(false)).status).toBe(200);
    const closed = await client.post('/api/signup', { email: newEmail('closed'), password: 'plum orbit granite 42' });
    expect(closed).toMatchObject({ status: 503, body: { error: { code: 'SIGNUPS_CLOSED' } } });
    const listed = await client.request('GET', '/api/admin/flags', undefined, admin);
    expect(listed.body.flags).toEqual([expect.objectContaining({ key: 'signups', source: 'kv' })]);
    expect((await flip(true)).status).toBe(200);
    expect(
      (await client.post('/api/signup', { email: newEmail('open'), password: 'plum orbit granite 42' })).status,
    ).toBe(202);
  });

  it('signs up: a verification link through the outbox, then a session, a workspace, a welcome email', async () => {
    const client = new Client(app.url);
    const email = newEmail('signup');
    const password = 'plum orbit granite 42';
    const res = await client.post('/api/signup', { email, password, workspace: 'Acme' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ message: expect.stringMatching(/^Check your mail/) });
    expect(client.cookie('__Host-session')).toBeUndefined();
    // Not before the email is confirmed, with the answer a wrong password gets.
    const early = await client.post('/api/login', { email, password });
    expect(early).toMatchObject({ status: 401, body: { error: { code: 'INVALID_CREDENTIALS' } } });

    // Signed out, this browser reads the mail of the account it signed up (the dev mailbox).
    const verification = await eventually(async () => {
      const outbox = await client.get('/api/outbox');
      return outbox.body.messages.find((m: { status: string }) => m.status === 'sent');
    });
    expect(verification).toMatchObject({
      subject: 'Confirm your email for Keel SaaS',
      to: [email],
      provider: 'outbox',
    });
    const [link = ''] = verification.links;
    expect(link.startsWith(`${app.url}/verify?token=`)).toBe(true);
    // The link's page changes nothing: its button posts the token.
    expect((await client.get(link.slice(app.url.length))).body).toContain('id="verify"');
    expect(await client.post('/api/verify-email', { token: tokenOf(link) })).toMatchObject({ status: 200 });
    expect(await client.post('/api/verify-email', { token: tokenOf(link) })).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_TOKEN' } },
    });

    const login = await client.post('/api/login', { email, password });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie().join('\n');
    expect(cookies).toMatch(/__Host-session=[^;]+;.*HttpOnly/);
    expect(cookies).toMatch(/__Host-csrf=/);
    expect(client.csrf).toBe(login.body.csrfToken);
    const me = await client.get('/api/me');
    expect(me.body.user.email).toBe(email);
    expect(me.body.workspaces).toMatchObject([{ name: 'Acme', plan: 'free' }]);
    const welcome = await eventually(async () => {
      const outbox = await client.get('/api/outbox');
      return outbox.body.messages.find((m: { subject: string; status: string }) =>
        m.subject.startsWith('Welcome') ? m.status === 'sent' : false,
      );
    });
    expect(welcome).toMatchObject({ subject: 'Welcome to Keel SaaS', to: [email], provider: 'outbox', attempts: 1 });
    expect(welcome.text).toContain('"Acme"');
    // The workspace came with the first sign-in only.
    await client.post('/api/logout');
    expect((await client.post('/api/login', { email, password })).status).toBe(200);
    expect((await client.get('/api/me')).body.workspaces).toHaveLength(1);
  });

  it('answers a sign-up for a taken address as for a new one, and mails its owner a reset link', async () => {
    const owner = new Client(app.url);
    const email = newEmail('taken');
    await owner.signup(email);
    const other = 'another long passphrase 7';
    const taken = await new Client(app.url).post('/api/signup', { email, password: other });
    const fresh = await new Client(app.url).post('/api/signup', { email: newEmail('fresh'), password: other });
    // Everything but the cookie's random value and its dates.
    const seen = (r: typeof taken) => ({
      status: r.status,
      body: r.body,
      cookies: r.headers.getSetCookie().map((c) => c.split(';').map((part) => part.trim().split('=')[0])),
      type: r.headers.get('content-type'),
      length: r.headers.get('content-length'),
    });
    expect(seen(taken)).toEqual(seen(fresh));
    expect(taken).toMatchObject({ status: 202, body: { message: expect.stringMatching(/^Check your mail/) } });

    // The owner is told, with a reset link: it works, and the account is otherwise untouched.
    const reset = await owner.mailLink(/^Someone tried to sign up/);
    expect(reset.startsWith(`${app.url}/reset?token=`)).toBe(true);
    const notice = (await owner.get('/api/outbox')).body.messages.find((m: { subject: string }) =>
      m.subject.startsWith('Someone tried'),
    );
    expect(notice).toMatchObject({ to: [email], text: expect.stringContaining('already has one') });
    const signIn = (password: string) => new Client(app.url).post('/api/login', { email, password });
    expect((await signIn(other)).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await signIn('plum orbit granite 42')).status).toBe(200);
    expect((await owner.get(reset.slice(app.url.length))).body).toContain('id="reset"');
    const changed = await new Client(app.url).post('/api/reset-password', {
      token: tokenOf(reset),
      password: 'a fresh owner passphrase',
    });
    expect(changed).toMatchObject({ status: 200, body: { message: expect.stringContaining('log in') } });
    expect((await signIn('plum orbit granite 42')).status).toBe(401);
    expect((await signIn('a fresh owner passphrase')).status).toBe(200);
    // The reset ended the owner's sessions.
    expect((await owner.get('/api/me')).status).toBe(401);
  });

  it('refuses bad sign-ups and forged links with clear codes', async () => {
    const weak = await new Client(app.url).post('/api/signup', { email: newEmail(), password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.body.error.code).toBe('WEAK_PASSWORD');
    expect(weak.body.error.reasons).toContain('too-short');
    const missing = await new Client(app.url).post('/api/signup', { email: newEmail() });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT', field: 'password' } } });
    const badJson = await new Client(app.url).post('/api/signup', '{nope');
    expect(badJson).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    const badType = await new Client(app.url).post('/api/signup', 'x', { 'content-type': 'text/plain' });
    expect(badType).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    for (const path of ['/api/verify-email', '/api/reset-password']) {
      const forged = await new Client(app.url).post(path, { token: 'x'.repeat(43), password: 'plum orbit granite 42' });
      expect(forged, path).toMatchObject({ status: 401, body: { error: { code: 'INVALID_TOKEN' } } });
    }
  });

  it('logs out and in again; a wrong password is 401', async () => {
    const client = new Client(app.url);
    const email = newEmail('login');
    await client.signup(email);
    expect((await client.post('/api/logout')).status).toBe(200);
    expect(await client.get('/api/me')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const wrong = await client.post('/api/login', { email, password: 'not the right password' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'INVALID_CREDENTIALS' } } });
    const ok = await client.post('/api/login', { email, password: 'plum orbit granite 42' });
    expect(ok.status).toBe(200);
    expect((await client.get('/api/me')).body.user.email).toBe(email);
  });

  it('creates, lists (through the kv read cache) and completes tasks', async () => {
    const client = new Client(app.url);
    const { workspaceId } = await client.signup(newEmail('tasks'));
    const path = `/api/workspaces/${workspaceId}/tasks`;
    expect((await client.get(path)).body).toEqual({ tasks: [] });
    const created = await client.post(path, { title: '  Write the README  ' });
    expect(created.status).toBe(201);
    expect(created.body.task).toMatchObject({ title: 'Write the README', done: false, workspaceId });
    const first = await client.get(path);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body.tasks.map((t: { title: string }) => t.title)).toEqual(['Write the README']);
    // The create's event invalidates the tag once more when it is delivered (a poll later, later
    // still on a busy machine): a read before that misses again. Then reads are hits.
    let second = await client.get(path);
    for (let i = 0; i < 100 && second.headers.get('x-cache') !== 'hit'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      second = await client.get(path);
    }
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
    await client.post(path, { title: 'Ship it' });
    const afterWrite = await client.get(path);
    expect(afterWrite.headers.get('x-cache')).toBe('miss');
    expect(afterWrite.body.tasks).toHaveLength(2);
    const done = await client.post(`${path}/${created.body.task.id}/complete`);
    expect(done.status).toBe(200);
    expect(done.body.task).toMatchObject({ id: created.body.task.id, done: true });
    expect(typeof done.body.task.completedAt).toBe('number');
    const listed = await client.get(path);
    expect(listed.headers.get('x-cache')).toBe('miss');
    expect(listed.body.tasks.map((t: { done: boolean }) => t.done)).toEqual([true, false]);
    expect(await client.post(`${path}/999999/complete`)).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(await client.post(path, { title: '' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_ARGUMENT' } },
    });
  });

  it("shows the workspace's audit trail and mails a completed task through a background job", async () => {
    const client = new Client(app.url);
    const email = newEmail('audit');
    const { userId, workspaceId } = await client.signup(email);
    const path = `/api/workspaces/${workspaceId}/tasks`;
    const task = (await client.post(path, { title: 'Audit me' })).body.task;
    expect((await client.post(`${path}/${task.id}/complete`)).status).toBe(200);
    // A second completion changes nothing: no new audit record, no second mail.
    expect((await client.post(`${path}/${task.id}/complete`)).status).toBe(200);
    const audit = await client.get(`/api/workspaces/${workspaceId}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toMatchObject([
      { taskId: task.id, operation: 'update', version: 2, actor: userId, changes: { done: { old: false, new: true } } },
      { taskId: task.id, operation: 'create', version: 1, actor: userId, changes: { title: { new: 'Audit me' } } },
    ]);
    expect(typeof audit.body.entries[0].at).toBe('number');
    const mail = await eventually(async () => {
      const rows = (await client.get('/api/outbox')).body.messages as { subject: string; to: string[] }[];
      const sent = rows.filter((m) => m.subject === 'Task completed: Audit me');
      return sent.length > 0 ? sent : undefined;
    });
    expect(mail).toMatchObject([{ to: [email] }]);
    const page = await client.request('GET', '/');
    expect(page.body).toContain('you updated task');
    // Another user's workspace has no trail for this user.
    const other = new Client(app.url);
    await other.signup(newEmail('audit-other'));
    expect((await other.get(`/api/workspaces/${workspaceId}/audit`)).status).toBe(404);
  });

  it('mails completed tasks in a daily digest for a user who chooses it; an admin previews the templates', async () => {
    const client = new Client(app.url);
    const { workspaceId } = await client.signup(newEmail('digest'));
    const path = `/api/workspaces/${workspaceId}/tasks`;
    expect((await client.get('/api/preferences')).body).toEqual({ taskCompleted: 'immediate' });
    expect((await client.request('PUT', '/api/preferences', { taskCompleted: 'weekly' })).status).toBe(400);
    expect((await client.request('PUT', '/api/preferences', { taskCompleted: 'digest' })).status).toBe(200);
    const kept = (await client.post(path, { title: 'Kept for the digest' })).body.task;
    expect((await client.post(`${path}/${kept.id}/complete`)).status).toBe(200);
    expect((await client.request('PUT', '/api/preferences', { taskCompleted: 'immediate' })).status).toBe(200);
    const mailed = (await client.post(path, { title: 'Mailed at once' })).body.task;
    expect((await client.post(`${path}/${mailed.id}/complete`)).status).toBe(200);
    // The subscription handles completions in order: once the second is mailed, the first was kept.
    const subjects = await eventually(async () => {
      const rows = (await client.get('/api/outbox')).body.messages as { subject: string }[];
      const all = rows.map((m) => m.subject);
      return all.includes('Task completed: Mailed at once') ? all : undefined;
    });
    expect(subjects).not.toContain('Task completed: Kept for the digest');

    const admin = { authorization: `Bearer ${adminToken}` };
    const preview = (query: string, headers = admin) =>
      client.request('GET', `/api/admin/templates/${query}`, undefined, headers);
    expect((await preview('welcome?part=subject', {} as typeof admin)).status).toBe(401);
    expect((await preview('welcome?part=subject')).body).toBe('Welcome to Keel SaaS');
    expect((await preview('task-completed.digest?part=text')).body).toContain(
      '3 tasks were completed today: Write, Test, Ship.',
    );
    expect((await preview('nope')).status).toBe(404);
  });

  it('runs each new task through the intake workflow of components: validate, route, enrich, notify when urgent', async () => {
    const client = new Client(app.url);
    const email = newEmail('intake');
    const { workspaceId } = await client.signup(email);
    const path = `/api/workspaces/${workspaceId}/tasks`;
    const intake = (id: number) =>
      eventually(async () => {
        const res = await client.get(`${path}/${id}/intake`);
        return res.status === 200 && ['completed', 'failed'].includes(res.body.state) ? res.body : undefined;
      }, 15_000);
    const plain = (await client.post(path, { title: 'Water the plants' })).body.task;
    const urgent = (await client.post(path, { title: '!!! Prod is down' })).body.task;
    const invalid = (await client.post(path, { title: '!!!! Everything, now' })).body.task;

    expect(await intake(plain.id)).toMatchObject({ state: 'completed', context: { label: 'low' } });
    const hot = await intake(urgent.id);
    // Priority 3: the route component fans out to enrich and notify; notify mails the creator.
    expect(hot).toMatchObject({ state: 'completed', context: { label: 'urgent', slaHours: 4, notified: email } });
    expect(hot.steps.map((s: { step: string }) => s.step).sort()).toEqual(['enrich', 'notify', 'route', 'validate']);
    // Four "!": the validate component refuses it, and the run fails with its errors (the task stays).
    expect(await intake(invalid.id)).toMatchObject({
      state: 'failed',
      error: {
        code: 'VALIDATION',
        step: 'validate',
        errors: [{ path: 'priority', message: 'a title starts with at most three !' }],
      },
    });
    const mail = await eventually(async () => {
      const rows = (await client.get('/api/outbox')).body.messages as { subject: string; to: string[] }[];
      const sent = rows.filter((m) => m.subject.startsWith('Urgent task:'));
      return sent.length > 0 ? sent : undefined;
    });
    expect(mail).toMatchObject([{ subject: 'Urgent task: !!! Prod is down', to: [email] }]);
    // Another user sees no intake of this workspace's tasks.
    const other = new Client(app.url);
    await other.signup(newEmail('intake-other'));
    expect((await other.get(`${path}/${plain.id}/intake`)).status).toBe(404);
  });

  it('keeps tenants apart, and needs a session and a CSRF token', async () => {
    const alice = new Client(app.url);
    const bob = new Client(app.url);
    const a = await alice.signup(newEmail('alice'));
    await bob.signup(newEmail('bob'));
    const path = `/api/workspaces/${a.workspaceId}/tasks`;
    await alice.post(path, { title: 'secret plan' });
    expect(await bob.get(path)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await bob.post(path, { title: 'intrusion' })).status).toBe(404);
    expect(
      (await bob.get('/api/outbox')).body.messages.every(
        (m: { to: string[] }) => !m.to.some((t) => t.startsWith('alice')),
      ),
    ).toBe(true);
    expect(await new Client(app.url).get(path)).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(await alice.post(path, { title: 'x' }, { 'x-csrf-token': '' })).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_REJECTED' } },
    });
    expect(await alice.post(path, { title: 'x' }, { 'x-csrf-token': bob.csrf as string })).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_REJECTED' } },
    });
    expect((await alice.get(path)).body.tasks.map((t: { title: string }) => t.title)).toEqual(['secret plan']);
  });

  it('creates more workspaces', async () => {
    const client = new Client(app.url);
    await client.signup(newEmail('ws'));
    const res = await client.post('/api/workspaces', { name: 'Side project' });
    expect(res).toMatchObject({ status: 201, body: { workspace: { name: 'Side project', plan: 'free' } } });
    expect((await client.get('/api/workspaces')).body.workspaces).toHaveLength(2);
  });

  it('enforces the free plan limit, and shows the rule log', async () => {
    const client = new Client(app.url);
    const { workspaceId } = await client.signup(newEmail('plan'));
    const path = `/api/workspaces/${workspaceId}/tasks`;
    for (let i = 0; i < 5; i++) expect((await client.post(path, { title: `task ${i}` })).status).toBe(201);
    const refused = await client.post(path, { title: 'one too many' });
    expect(refused).toMatchObject({
      status: 403,
      body: { error: { code: 'PLAN_LIMIT_REACHED', plan: 'free', limit: 5 } },
    });
    expect((await client.get(path)).body.tasks).toHaveLength(5);
    const log = await client.get('/api/rules/log');
    expect(log.body.entries).toHaveLength(6);
    expect(log.body.entries[0]).toMatchObject({
      input: { workspaceId, plan: 'free', taskCount: 5 },
      decision: { allowed: false },
    });
    expect(log.body.entries[1]).toMatchObject({ input: { taskCount: 4 }, decision: { allowed: true } });
    expect(log.body.rule).toMatchObject({ kind: 'wasm', id: 'plan-limit', mode: 'isolated' });
    expect(log.body.rule.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(log.body.executions.length).toBeGreaterThanOrEqual(6);
    expect(log.body.executions[0]).toMatchObject({
      component: 'plan-limit',
      export: 'allowed',
      mode: 'isolated',
      outcome: 'ok',
      hostCalls: {},
      deniedCalls: 0,
    });
  });

  it('rate-limits changes per user (@keel/ratelimit, sliding window on kv)', async () => {
    // A fixed one-minute window: start well inside one so the burst cannot straddle two.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoWindow));
    const client = new Client(app.url);
    await client.signup(newEmail('burst'));
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++) statuses.push((await client.post('/api/workspaces', { name: `w${i}` })).status);
    expect(statuses.slice(0, 40).every((s) => s === 201)).toBe(true);
    const limited = await client.post('/api/workspaces', { name: 'again' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not affected.
    const other = new Client(app.url);
    await other.signup(newEmail('calm'));
    expect((await other.post('/api/workspaces', { name: 'fine' })).status).toBe(201);
  }, 90_000);

  it('answers unknown routes and methods with JSON errors', async () => {
    const client = new Client(app.url);
    expect(await client.get('/nope')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await client.request('DELETE', '/api/workspaces')).toMatchObject({
      status: 405,
      body: { error: { code: 'METHOD_NOT_ALLOWED' } },
    });
  });

  it('renders the page, escaping what users typed', async () => {
    const client = new Client(app.url);
    const signedOut = await client.get('/');
    expect(signedOut.status).toBe(200);
    expect(signedOut.body).toContain('id="signup"');
    const { workspaceId } = await client.signup(newEmail('page'));
    await client.post(`/api/workspaces/${workspaceId}/tasks`, { title: '<script>alert(1)</script>' });
    const page = await client.get('/');
    expect(page.body).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('Welcome to Keel SaaS');
  });

  it('keeps data across a restart when the profile is persistent', async () => {
    const client = new Client(app.url);
    const email = newEmail('restart');
    const { workspaceId } = await client.signup(email);
    await client.post(`/api/workspaces/${workspaceId}/tasks`, { title: 'survives' });
    await app.close();
    app = await startApp({ env: env() });
    const again = new Client(app.url);
    const login = await again.post('/api/login', { email, password: 'plum orbit granite 42' });
    if (profile === 'test') {
      // Memory adapters start empty: that is the point of the test profile.
      expect(login.status).toBe(401);
      return;
    }
    expect(login.status).toBe(200);
    expect(
      (await again.get(`/api/workspaces/${workspaceId}/tasks`)).body.tasks.map((t: { title: string }) => t.title),
    ).toEqual(['survives']);
  });
});

describe('the plan rule in-thread (KEEL_APP_RULE_MODE)', () => {
  it('enforces the same limit with the component on the request thread', async () => {
    const app = await startApp({
      env: { KEEL_PROFILE: 'test', KEEL_APP_FREE_PLAN_MAX_TASKS: '2', KEEL_APP_RULE_MODE: 'in-thread' },
    });
    try {
      const client = new Client(app.url);
      const { workspaceId } = await client.signup(newEmail('inthread'));
      const path = `/api/workspaces/${workspaceId}/tasks`;
      for (const title of ['one', 'two']) expect((await client.post(path, { title })).status).toBe(201);
      expect((await client.post(path, { title: 'three' })).body.error).toMatchObject({
        code: 'PLAN_LIMIT_REACHED',
        limit: 2,
      });
      const log = await client.get('/api/rules/log');
      expect(log.body.rule).toMatchObject({ kind: 'wasm', mode: 'in-thread' });
      expect(log.body.executions[0]).toMatchObject({ export: 'allowed', mode: 'in-thread', outcome: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('refuses an unknown mode at start-up, naming the variable', async () => {
    await expect(startApp({ env: { KEEL_PROFILE: 'test', KEEL_APP_RULE_MODE: 'threaded' } })).rejects.toThrow(
      "KEEL_APP_RULE_MODE): expected isolated or in-thread, got 'threaded'",
    );
  });
});
