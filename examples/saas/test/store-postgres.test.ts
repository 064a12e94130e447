import { emailAdapters, createEmailOutbox } from '@keel/adapter-email';
import { postgresAdapter } from '@keel/adapter-postgres';
import { createKeel, createMigrator, err, type Keel, runInContext } from '@keel/core';
import { createAuditLog, createRepositoryMigrator } from '@keel/repository';
import { testPostgres } from '@keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppEvents,
  createAppEvents,
  subscribeTaskCompletedMail,
  type TaskCompletedData,
} from '../src/app-events.js';
import { type AppJobs, createAppJobs, startAppWorkers } from '../src/app-jobs.js';
import { createAppNotifications } from '../src/app-notifications.js';
import { createAppTemplates } from '../src/app-templates.js';
import { HttpError } from '../src/http-errors.js';
import { createMailStore, type MailStore } from '../src/mail-store.js';
import { migrations } from '../src/migrations.js';
import { createStore, type Store } from '../src/store.js';
import { createTaskRepository } from '../src/task-repository.js';
import { createWorkspaceRepositories } from '../src/workspace-repository.js';
import { eventually } from './client.js';

// The store's writes that must hold across processes, raced on PostgreSQL from two connection
// pools (what two processes have), without HTTP and password hashing in front to space them out.
const pg = await testPostgres();
const server = pg.server;
const configFor = (connectionString: string) =>
  ({ sql: { adapter: 'postgres', options: { connectionString } }, email: { adapter: 'outbox' } }) as const;
type StoreKeel = Keel<ReturnType<typeof configFor>>;

if (!server) {
  describe.skip(`saas store on PostgreSQL — skipped: ${pg.skip}`, () => it('runs', () => undefined));
} else {
  describe('saas store on PostgreSQL, two pools at once', () => {
    const keels: StoreKeel[] = [];
    let stores: Store[];
    let jobs: AppJobs[];
    let events: AppEvents[];
    let mails: MailStore[];

    beforeAll(async () => {
      const config = configFor(await server.database('saas_store'));
      for (let i = 0; i < 2; i++) {
        const started = await createKeel(config, { env: false, adapters: [postgresAdapter, ...emailAdapters] });
        keels.push(started._unsafeUnwrap());
      }
      const [first] = keels as [StoreKeel];
      (await createRepositoryMigrator(first.sql).up())._unsafeUnwrap();
      (await createMigrator(first.sql, { migrations, scope: 'saas' }).up())._unsafeUnwrap();
      jobs = keels.map((keel) => createAppJobs(keel.sql, { pollIntervalMs: 20 }));
      (await (jobs[0] as AppJobs).migrate())._unsafeUnwrap();
      events = keels.map((keel) => createAppEvents(keel.sql));
      (await (events[0] as AppEvents).migrate())._unsafeUnwrap();
      mails = keels.map((keel) => createMailStore(keel.sql, createEmailOutbox({ sql: keel.sql, email: keel.email })));
      stores = keels.map((keel, i) => {
        const repositories = {
          tasks: createTaskRepository(keel.sql, events[i]),
          ...createWorkspaceRepositories(keel.sql, events[i]),
        };
        return createStore(keel.sql, mails[i] as MailStore, repositories, events[i] as AppEvents);
      });
      (await createEmailOutbox({ sql: first.sql, email: first.email }).migrate())._unsafeUnwrap();
    });
    afterAll(async () => {
      for (const j of jobs ?? []) await j.close();
      for (const e of events ?? []) await e.close();
      for (const keel of keels) await keel.close();
      await server.cleanup();
    });

    it('lets one of two first sign-ins at once create the workspace', async () => {
      for (let user = 0; user < 10; user++) {
        const userId = `user-${user}`;
        const welcome = { from: 'app@example.test', to: ['u@example.test'], subject: 'Welcome', text: 'Hi' };
        const created = await Promise.all(stores.map((s, i) => s.createFirstWorkspace(userId, `W${i}`, welcome)));
        expect(created.filter((w) => w !== undefined)).toHaveLength(1);
        expect(await (stores[0] as Store).workspacesOf(userId)).toHaveLength(1);
      }
    });

    // The TaskCompleted events of one workspace, in store order.
    const completions = async (workspaceId: number) =>
      (await (events[0] as AppEvents).byType('TaskCompleted', { limit: 1000 }))
        ._unsafeUnwrap()
        .events.filter((e) => (e.data as TaskCompletedData).workspaceId === workspaceId);

    it('publishes TaskCompleted in the completing transaction: rolled back, no event; committed, one mail, once', async () => {
      const [store] = stores as [Store];
      const [keel] = keels as [StoreKeel];
      const [appEvents] = events as [AppEvents];
      const workspace = await store.createWorkspace('user-jobs', 'Jobs');
      const notify = { userId: 'user-jobs', email: 'jobs@example.test' };
      const tenant = { tenantId: String(workspace.id), actor: 'user-jobs' };
      const mailOf = async () =>
        (await (mails[0] as MailStore).outboxFor('user-jobs')).filter((m) => m.subject.startsWith('Task completed'));
      await runInContext(tenant, async () => {
        const task = await store.createTask(workspace.id, 'user-jobs', 'Roll me back', async () => undefined);
        const rolledBack = await keel.sql.transaction(async (tx) => {
          const done = await store.completeTaskIn(tx, workspace.id, task.id, notify);
          expect(done.isOk()).toBe(true);
          return err(new Error('the caller gives up'));
        });
        expect(rolledBack.isErr()).toBe(true);
        expect(await completions(workspace.id)).toEqual([]);
        expect((await store.tasks(workspace.id)).map((t) => t.done)).toEqual([false]);

        const templates = await createAppTemplates(keel.sql);
        const notifications = createAppNotifications(keel.sql, jobs[0] as AppJobs, templates, mails[0] as MailStore);
        (await notifications.migrate())._unsafeUnwrap();
        const subscription = subscribeTaskCompletedMail(appEvents, notifications, { pollIntervalMs: 20 });
        expect((await store.completeTask(workspace.id, task.id, notify)).done).toBe(true);
        const [event] = await completions(workspace.id);
        expect(event).toMatchObject({ data: { taskId: task.id, title: 'Roll me back', email: 'jobs@example.test' } });
        const mail = await eventually(async () => {
          const rows = await mailOf();
          return rows.length > 0 ? rows : undefined;
        });
        expect(mail).toMatchObject([{ subject: 'Task completed: Roll me back', to: ['jobs@example.test'] }]);
        // What a second delivery of the event enqueues (a consumer killed after the handler, a replay):
        // the mail with the same idempotency key, which the mail store does not enqueue again.
        const again = {
          from: 'app@example.test',
          to: ['jobs@example.test'],
          subject: 'Task completed: again',
          text: '.',
        };
        await (mails[0] as MailStore).send('user-jobs', { ...again, idempotencyKey: `task-completed:${event?.id}` });
        expect(await mailOf()).toHaveLength(1);
        await subscription.stop();
      });
    });

    it('completes a task once when both pools complete it at once: one version, one event', async () => {
      const workspace = await (stores[0] as Store).createWorkspace('user-race', 'Race');
      const notify = { userId: 'user-race', email: 'race@example.test' };
      await runInContext({ tenantId: String(workspace.id), actor: 'user-race' }, async () => {
        for (let i = 0; i < 5; i++) {
          const task = await (stores[0] as Store).createTask(workspace.id, 'user-race', `t${i}`, async () => undefined);
          const done = await Promise.all(stores.map((s) => s.completeTask(workspace.id, task.id, notify)));
          expect(done.map((t) => t.done)).toEqual([true, true]);
        }
        const mine = await completions(workspace.id);
        expect(mine.map((e) => (e.data as TaskCompletedData).taskId).sort()).toEqual([1, 2, 3, 4, 5]);
      });
    });

    it('keeps the plan count with tasks created from both pools at once', async () => {
      const workspace = await (stores[0] as Store).createWorkspace('user-count', 'Count');
      await runInContext({ tenantId: String(workspace.id), actor: 'user-count' }, async () => {
        const allow = async (count: number) =>
          count < 5 ? undefined : new HttpError(403, 'PLAN_LIMIT_REACHED', 'full');
        const created = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            (stores[i % 2] as Store).createTask(workspace.id, 'user-count', `c${i}`, allow),
          ),
        );
        expect(created.filter((c) => c.status === 'fulfilled')).toHaveLength(5);
        expect((await (stores[1] as Store).tasks(workspace.id)).map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
      });
    });

    it('runs the audit retention job: records older than its days are purged', async () => {
      const [keel] = keels as [StoreKeel];
      const [appJobs] = jobs as [AppJobs];
      startAppWorkers(appJobs, keel.sql);
      const log = createAuditLog(keel.sql);
      const before = (await log.query())._unsafeUnwrap().length;
      expect(before).toBeGreaterThan(0);
      const { id } = (await appJobs.enqueue('audit.cleanup', { olderThanDays: 0 }))._unsafeUnwrap();
      const job = await eventually(async () => {
        const info = (await appJobs.status(id))._unsafeUnwrap();
        return info.state === 'completed' ? info : undefined;
      });
      expect(job.result).toBe(before);
      expect((await log.query())._unsafeUnwrap()).toEqual([]);
    });
  });
}
