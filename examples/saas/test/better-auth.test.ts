import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../src/app.js';
import { Client, newEmail } from './client.js';

// The fourth profile: the routes unchanged, auth served by better-auth
// (@keel/adapter-auth-better-auth) on the same SQLite database as the app's own tables.
describe('saas example on the better-auth profile', () => {
  let app: RunningApp;
  const adminToken = 'admin-token-of-32-plus-characters-for-health';

  beforeAll(async () => {
    app = await startApp({ env: { KEEL_PROFILE: 'better-auth', KEEL_APP_ADMIN_TOKEN: adminToken } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves auth with better-auth', async () => {
    const res = await new Client(app.url).request('GET', '/health', undefined, {
      authorization: `Bearer ${adminToken}`,
    });
    expect(res.body.profile).toBe('better-auth');
    expect(
      res.body.instances.map((i: { interface: string; adapter: string }) => `${i.interface}:${i.adapter}`),
    ).toContain('auth:better-auth');
  });

  it('signs up through the mailed verification link, signs in, and works on tasks', async () => {
    const client = new Client(app.url);
    const email = newEmail('better-auth');
    const { workspaceId } = await client.signup(email, 'plum orbit granite 42', 'Acme');
    const me = await client.get('/api/me');
    expect(me.body.user.email).toBe(email);
    expect(me.body.workspaces).toMatchObject([{ id: workspaceId, name: 'Acme', plan: 'free' }]);
    const path = `/api/workspaces/${workspaceId}/tasks`;
    const created = await client.post(path, { title: 'Try better-auth' });
    expect(created.status).toBe(201);
    const done = await client.post(`${path}/${created.body.task.id}/complete`);
    expect(done.body.task).toMatchObject({ title: 'Try better-auth', done: true });
    expect((await client.get(path)).body.tasks).toHaveLength(1);
  });

  it('logs out and in again; a wrong password is 401; a spent verification link is refused', async () => {
    const client = new Client(app.url);
    const email = newEmail('better-auth-login');
    await client.signup(email);
    expect((await client.post('/api/logout')).status).toBe(200);
    expect(await client.get('/api/me')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    const wrong = await client.post('/api/login', { email, password: 'not the right password' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'INVALID_CREDENTIALS' } } });
    expect((await client.post('/api/login', { email, password: 'plum orbit granite 42' })).status).toBe(200);
    expect((await client.get('/api/me')).body.user.email).toBe(email);
    const forged = await client.post('/api/verify-email', { token: 'not.a-token' });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'INVALID_TOKEN' } } });
  });
});
