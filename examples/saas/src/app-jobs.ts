import type { Sql } from '@keel/core';
import { createJobs, defineJob } from '@keel/jobs';
import { createAuditLog } from '@keel/repository';
import * as v from 'valibot';
import { sender } from './auth-mail.js';
import type { MailStore } from './mail-store.js';

/** How long the tasks' audit trail is kept: the daily `audit.cleanup` deletes older records. */
export const auditRetentionDays = 365;

const definitions = {
  // Enqueued in the transaction that completes the task: no completion, no mail.
  'task.completed': defineJob({
    schema: v.object({
      workspaceId: v.number(),
      taskId: v.number(),
      title: v.string(),
      userId: v.string(),
      email: v.string(),
    }),
    maxAttempts: 5,
  }),
  'audit.cleanup': defineJob<{ olderThanDays: number }, number>({ timeoutMs: 60_000 }),
};

/**
 * The app's background jobs on `@keel/jobs`, in the app's database: the "task completed" mail
 * (through the app's outbox, as the user's mail) and the audit trail's daily retention.
 *
 * @example
 * const jobs = createAppJobs(keel.sql, { pollIntervalMs: 200 });
 * await unwrap(jobs.migrate());
 * startAppWorkers(jobs, keel.sql, mail); // ... await jobs.close();
 */
export function createAppJobs(sql: Sql, options: { readonly pollIntervalMs?: number } = {}) {
  return createJobs({
    sql,
    jobs: definitions,
    schedules: {
      // Once a day across all processes; a day missed while nothing ran is caught up once.
      auditRetention: {
        job: 'audit.cleanup',
        payload: { olderThanDays: auditRetentionDays },
        cron: '30 3 * * *',
        timeZone: 'UTC',
      },
    },
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
}

export type AppJobs = ReturnType<typeof createAppJobs>;

/** Starts this process's workers (every process of the app runs them; each job runs once). */
export function startAppWorkers(jobs: AppJobs, sql: Sql, mail: MailStore): void {
  const audit = createAuditLog(sql);
  jobs
    .work('task.completed', async ({ id, payload }) => {
      // At least once: a worker killed after `send` runs this again; the idempotency key lets the
      // provider drop the second copy.
      await mail.send(payload.userId, {
        from: sender,
        to: [payload.email],
        subject: `Task completed: ${payload.title}`,
        text: `"${payload.title}" (task ${payload.taskId} of workspace ${payload.workspaceId}) is done.\n`,
        idempotencyKey: `task-completed:${id}`,
      });
    })
    ._unsafeUnwrap();
  jobs
    .work('audit.cleanup', async ({ payload }) => {
      const purged = await audit.purge({ before: new Date(Date.now() - payload.olderThanDays * 86_400_000) });
      if (purged.isErr()) throw purged.error;
      return purged.value;
    })
    ._unsafeUnwrap();
}
