import { defineJob, type Jobs } from '@keel/jobs';

/** The name of the digest job. */
export const DIGEST_JOB = 'keel.notifications.digest';

/** A digest job's payload: which user, kind, channel and period. */
export interface DigestPayload {
  readonly userId: string;
  readonly kind: string;
  readonly channel: string;
  readonly periodStart: number;
}

/**
 * The job the notifications run on `@keel/jobs`: spread it into the app's job definitions.
 *
 * @example
 * const jobs = createJobs({ sql, jobs: { ...appJobs, ...notificationJobs } });
 */
export const notificationJobs = { [DIGEST_JOB]: defineJob<DigestPayload, number>({ maxAttempts: 10 }) } as const;

/** The part of a `Jobs` instance the notifications use. */
export type DigestJobs = Pick<Jobs<typeof notificationJobs>, 'enqueue' | 'work'>;
