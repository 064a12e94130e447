import { createEmailOutbox, createOutboxEmail } from '@keel/adapter-email';
import { ok } from '@keel/core';
import { createJobs } from '@keel/jobs';
import { eventually, expectOk, ManualClock } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createTemplates } from '../src/index.js';
import {
  createNotifications,
  emailChannel,
  notificationJobs,
  type Digest,
  type NotificationChannel,
} from '../src/notifications/index.js';
import { freshTable, mjmlBody, openDatabase, testDatabases } from './support/databases.js';

const dbs = await testDatabases('notify');
afterAll(() => dbs.cleanup());

const DAY = 86_400_000;

for (const db of dbs.databases) {
  describe(`notifications (${db.name})`, () => {
    const sql = openDatabase(db.target);
    afterAll(() => sql.close());

    const setup = async () => {
      // 10:00 UTC on some day: the digest of the day goes out at the next midnight.
      const clock = new ManualClock(Math.floor(1_800_000_000_000 / DAY) * DAY + 10 * 3_600_000);
      const email = createOutboxEmail();
      const templates = createTemplates({ sql, email, table: freshTable() });
      expectOk(await templates.migrate());
      expectOk(
        await templates.save('task-completed', 'en', {
          subject: 'Task completed: {{title}}',
          mjml: mjmlBody('<mj-text>"{{title}}" is done.</mj-text>'),
        }),
      );
      expectOk(
        await templates.save('task-completed.digest', 'en', {
          subject: '{{count}} tasks were completed today',
          mjml: mjmlBody('<mj-text>{{count}} tasks were completed today: {{titles}}.</mj-text>'),
        }),
      );
      const outbox = createEmailOutbox({ sql, email, table: freshTable('outbox') });
      expectOk(await outbox.migrate());
      const jobs = createJobs({ sql, jobs: notificationJobs, table: freshTable('jobs'), clock, pollIntervalMs: 10 });
      expectOk(await jobs.migrate());
      const realtime: Digest[] = [];
      const realtimeChannel: NotificationChannel = {
        deliver: async () => ok(undefined),
        deliverDigest: async (_tx, digest) => {
          realtime.push(digest);
          return ok(undefined);
        },
      };
      const digestVariables = (d: Digest) => ({
        count: d.items.length,
        titles: d.items.map((i) => i.title).join(', '),
      });
      const notifications = createNotifications({
        sql,
        jobs,
        clock,
        table: freshTable('ntf'),
        channels: {
          email: emailChannel({ templates, outbox, from: 'app@example.com', digestVariables }),
          realtime: realtimeChannel,
        },
        defaults: { realtime: 'off' },
      });
      expectOk(await notifications.migrate());
      const notify = (userId: string, title: string) =>
        sql.transaction((tx) =>
          notifications.notify(tx, {
            userId,
            kind: 'task-completed',
            data: { title },
            recipient: { email: `${userId}@example.com` },
          }),
        );
      const subjects = async () => {
        expectOk(await outbox.dispatchOnce());
        return email.messages().map((m) => `${m.message.to[0]?.email}: ${m.message.subject}`);
      };
      return { clock, jobs, notifications, notify, subjects, realtime, close: () => jobs.close(100) };
    };

    it('a digest user gets "3 tasks were completed today" once, at the end of the day; others at once', async () => {
      const f = await setup();
      expectOk(
        await f.notifications.setPreference('ada', { kind: 'task-completed', channel: 'email', mode: 'digest' }),
      );
      expectOk(await f.notifications.setPreference('bob', { kind: 'task-completed', channel: 'email', mode: 'off' }));
      for (const title of ['Write', 'Test', 'Ship'])
        expect(expectOk(await f.notify('ada', title))).toEqual({ email: 'digest', realtime: 'off' });
      expectOk(await f.notify('bob', 'Nothing'));
      expectOk(await f.notify('cy', 'Alone'));
      expect(await f.subjects()).toEqual(['cy@example.com: Task completed: Alone']);
      // One job for the user's day, however many notifications.
      const waiting = expectOk(
        await f.jobs.enqueue(
          'keel.notifications.digest',
          { userId: 'ada', kind: 'task-completed', channel: 'email', periodStart: 0 },
          { dedupeKey: `ada:task-completed:email:${Math.floor(f.clock.now() / DAY) * DAY}` },
        ),
      );
      expect(waiting.deduplicated).toBe(true);

      expectOk(f.notifications.work());
      f.clock.advance(13 * 3_600_000); // 23:00: the day is not over
      await new Promise((r) => setTimeout(r, 100));
      expect(await f.subjects()).toHaveLength(1);
      f.clock.advance(3_600_000); // midnight
      await eventually(async () => (await f.subjects()).length === 2);
      expect((await f.subjects())[1]).toBe('ada@example.com: 3 tasks were completed today');
      await f.close();
    });

    it('the digest job is idempotent: a second run for the same period sends nothing', async () => {
      const f = await setup();
      expectOk(
        await f.notifications.setPreference('ada', { kind: 'task-completed', channel: 'realtime', mode: 'digest' }),
      );
      expectOk(await f.notifications.setPreference('ada', { kind: 'task-completed', channel: 'email', mode: 'off' }));
      expectOk(await f.notify('ada', 'One'));
      expectOk(await f.notify('ada', 'Two'));
      const periodStart = Math.floor(f.clock.now() / DAY) * DAY;
      f.clock.advance(DAY);
      expectOk(f.notifications.work());
      await eventually(() => f.realtime.length === 1);
      // The same job again (a retry after a crash past the commit): nothing pending, nothing delivered.
      const again = expectOk(
        await f.jobs.enqueue('keel.notifications.digest', {
          userId: 'ada',
          kind: 'task-completed',
          channel: 'realtime',
          periodStart,
        }),
      );
      await eventually(async () => expectOk(await f.jobs.status(again.id)).state === 'completed');
      expect(expectOk(await f.jobs.status(again.id)).result).toBe(0);
      expect(f.realtime).toHaveLength(1);
      expect(f.realtime[0]?.items).toEqual([{ title: 'One' }, { title: 'Two' }]);
      expect(expectOk(await f.notifications.preferences('ada')).map((p) => `${p.channel}:${p.mode}`)).toEqual([
        'email:off',
        'realtime:digest',
      ]);
      await f.close();
    });
  });
}
