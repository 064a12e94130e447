import type { Sql } from '@keel/core';
import { createJobs, defineJob } from '@keel/jobs';
import { createAuditLog } from '@keel/repository';
import { notificationJobs } from '@keel/templates/notifications';

/** How long the tasks' audit trail is kept: the daily `audit.cleanup` deletes older records. */
export const auditRetentionDays = 365;

const definitions = {
  'audit.cleanup': defineJob<{ olderThanDays: number }, number>({ timeoutMs: 60_000 }),
  // The notifications' daily digests (see app-notifications.ts).
  ...notificationJobs,
};

/**
 * The app's background jobs on `@keel/jobs`, in the app's database: the audit trail's daily
 * retention. (The "task completed" mail follows the `TaskCompleted` event: see `app-events.ts`.)
 *
 * @example
 * const jobs = createAppJobs(keel.sql, { pollIntervalMs: 200 });
 * await unwrap(jobs.migrate());
 * startAppWorkers(jobs, keel.sql); // ... await jobs.close();
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
export function startAppWorkers(jobs: AppJobs, sql: Sql): void {
  const audit = createAuditLog(sql);
  jobs
    .work('audit.cleanup', async ({ payload }) => {
      const purged = await audit.purge({ before: new Date(Date.now() - payload.olderThanDays * 86_400_000) });
      if (purged.isErr()) throw purged.error;
      return purged.value;
    })
    ._unsafeUnwrap();
}
