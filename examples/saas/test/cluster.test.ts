import type { ChildProcess } from 'node:child_process';
import { testPostgres, testRedis } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFromSource, stopServer } from '../scripts/processes.js';
import { Client, newEmail, tokenOf } from './client.js';

// Two real processes of the example on the `cluster` profile, against one fresh PostgreSQL
// database and one Redis key prefix: what one process writes or counts, the other sees.
const pg = await testPostgres();
const redis = await testRedis();
const servers = pg.server && redis.server ? { pg: pg.server, redis: redis.server } : undefined;
const rateLimit = 10;
const planLimit = 5;
const password = 'plum orbit granite 42';

if (!servers) {
  describe.skip(`saas example, two processes on the cluster profile — skipped: ${pg.skip ?? redis.skip}`, () =>
    it('runs', () => undefined));
} else {
  describe('saas example, two processes on the cluster profile', () => {
    const running: ChildProcess[] = [];
    let a: string;
    let b: string;

    beforeAll(async () => {
      const env = {
        KEEL_PROFILE: 'cluster',
        PORT: '0',
        KEEL_SQL_OPTIONS_CONNECTION_STRING: await servers.pg.database('saas_cluster'),
        KEEL_KV_OPTIONS_URL: servers.redis.url,
        KEEL_KV_OPTIONS_KEY_PREFIX: servers.redis.prefix('saas-cluster'),
        KEEL_MESSAGING_OPTIONS_URL: servers.redis.url,
        KEEL_MESSAGING_OPTIONS_KEY_PREFIX: servers.redis.prefix('saas-cluster-msg'),
        KEEL_APP_RATE_LIMIT_PER_MINUTE: String(rateLimit),
        KEEL_APP_FREE_PLAN_MAX_TASKS: String(planLimit),
        KEEL_APP_OUTBOX_POLL_INTERVAL_MS: '100',
      };
      // Started together, as replicas are: both migrate the same empty database at once.
      const started = await Promise.allSettled([startFromSource(env), startFromSource(env)]);
      for (const s of started) if (s.status === 'fulfilled') running.push(s.value.child);
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      [a, b] = started.map((s) => (s as PromiseFulfilledResult<{ url: string }>).value.url) as [string, string];
    }, 90_000);

    afterAll(async () => {
      const codes = await Promise.all(running.map(stopServer));
      await servers.pg.cleanup();
      await servers.redis.cleanup();
      expect(codes).toEqual(running.map(() => 0));
    }, 30_000);

    it('signs up on one process, confirms and signs in on the other, and the session works on both', async () => {
      expect(a).not.toBe(b);
      const email = newEmail('cluster');
      const onA = new Client(a);
      const onB = onA.at(b);
      expect((await onA.post('/api/signup', { email, password, workspace: 'Shared' })).status).toBe(202);
      // The dev mailbox cookie is tied to the user in Redis, the mail is a row in PostgreSQL.
      const link = await onB.mailLink(/^Confirm your email/);
      expect(link.startsWith(`${a}/verify?token=`)).toBe(true);
      expect((await onB.post('/api/verify-email', { token: tokenOf(link) })).status).toBe(200);
      const login = await onB.post('/api/login', { email, password });
      expect(login.status).toBe(200);
      // The session (auth's, in Redis) and its CSRF token (signed with the secret both share through Redis).
      const meOnA = await onA.get('/api/me');
      expect(meOnA).toMatchObject({ status: 200, body: { user: { email }, workspaces: [{ name: 'Shared' }] } });
      expect((await onA.post('/api/logout')).status).toBe(200);
      expect((await onB.get('/api/me')).status).toBe(401);
    });

    it('creates a workspace and tasks on one process and reads them on the other, through one read cache', async () => {
      const onA = new Client(a);
      await onA.signup(newEmail('tasks'), password);
      const onB = onA.at(b);
      const created = await onA.post('/api/workspaces', { name: 'Team' });
      expect(created.status).toBe(201);
      const id = created.body.workspace.id;
      expect((await onB.get('/api/workspaces')).body.workspaces.map((w: { name: string }) => w.name)).toContain('Team');

      const empty = await onB.get(`/api/workspaces/${id}/tasks`);
      expect(empty).toMatchObject({ status: 200, body: { tasks: [] } });
      expect(empty.headers.get('x-cache')).toBe('miss');
      // B filled the cache in Redis: A reads it from there.
      expect((await onA.get(`/api/workspaces/${id}/tasks`)).headers.get('x-cache')).toBe('hit');
      // A's write deletes the cached list for both: B never serves the old one.
      const task = await onA.post(`/api/workspaces/${id}/tasks`, { title: 'written on A' });
      expect(task.status).toBe(201);
      const listed = await onB.get(`/api/workspaces/${id}/tasks`);
      expect(listed.headers.get('x-cache')).toBe('miss');
      expect(listed.body.tasks).toMatchObject([{ id: task.body.task.id, title: 'written on A', done: false }]);
      expect((await onB.post(`/api/workspaces/${id}/tasks/${task.body.task.id}/complete`)).status).toBe(200);
      expect((await onA.get(`/api/workspaces/${id}/tasks`)).body.tasks).toMatchObject([{ done: true }]);
    });

    it('shares the rate limit: changes split across both processes stop at the one limit', async () => {
      // A fixed one-minute window: start well inside one so the burst cannot straddle two.
      const intoWindow = Date.now() % 60_000;
      if (intoWindow > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoWindow));
      const onA = new Client(a);
      await onA.signup(newEmail('burst'), password);
      const clients = [onA, onA.at(b)];
      const statuses: number[] = [];
      // Twice the limit, alternating: each process alone would let all of them through.
      for (let i = 0; i < 2 * rateLimit; i++)
        statuses.push((await (clients[i % 2] as Client).post('/api/workspaces', { name: `w${i}` })).status);
      expect(statuses).toEqual([...Array(rateLimit).fill(201), ...Array(rateLimit).fill(429)]);
    }, 90_000);

    it('holds the plan limit when both processes create tasks at once', async () => {
      const onA = new Client(a);
      const { workspaceId } = await onA.signup(newEmail('plan'), password);
      const clients = [onA, onA.at(b)];
      const answers = await Promise.all(
        Array.from({ length: planLimit + 3 }, (_, i) =>
          (clients[i % 2] as Client).post(`/api/workspaces/${workspaceId}/tasks`, { title: `t${i}` }),
        ),
      );
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(planLimit).fill(201), ...Array(3).fill(403)]);
      expect((await onA.get(`/api/workspaces/${workspaceId}/tasks`)).body.tasks).toHaveLength(planLimit);
    });
  });
}
