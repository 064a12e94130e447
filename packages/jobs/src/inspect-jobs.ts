import { errAsync, okAsync, type ResultAsync, type SqlValue } from '@keel/core';
import { jobFromRow } from './job-rows.js';
import { jobColumns } from './jobs-statements.js';
import { fromSql, jobsError, type JobsError } from './jobs-errors.js';
import type { JobInfo, JobPage, JobState, ListOptions } from './jobs-types.js';
import type { JobsRuntime } from './jobs-runtime.js';

const states: readonly JobState[] = ['waiting', 'active', 'completed', 'dead', 'cancelled'];

/** `status(id)`: the job, or `NOT_FOUND`. */
export function jobStatus(rt: JobsRuntime, id: string): ResultAsync<JobInfo, JobsError> {
  return rt.sql
    .query(rt.statements.status, [String(id)])
    .mapErr(fromSql('status', `reading job ${id}`))
    .andThen(({ rows }) => {
      const row = rows[0];
      return row ? okAsync(jobFromRow(row)) : errAsync(jobsError('NOT_FOUND', 'status', `no job with id '${id}'`));
    });
}

/** `cancel(id)`: aborts a local run at once; another process's run aborts at its next lease renewal. */
export function cancelJob(rt: JobsRuntime, id: string): ResultAsync<boolean, JobsError> {
  return rt.sql
    .execute(rt.statements.cancel, [rt.clock.now(), String(id)])
    .mapErr(fromSql('cancel', `cancelling job ${id}`))
    .andThen(({ rowsAffected }) => {
      if (rowsAffected === 1) {
        rt.held.get(id)?.abort(jobsError('CANCELLED', 'cancel', `job ${id} was cancelled`));
        return okAsync(true);
      }
      return jobStatus(rt, id).map(() => false);
    });
}

/** `requeue(id)`: a dead or cancelled job waits again, its attempts reset. */
export function requeueJob(rt: JobsRuntime, id: string): ResultAsync<void, JobsError> {
  return rt.sql
    .execute(rt.statements.requeue, [rt.clock.now(), String(id)])
    .mapErr(fromSql('requeue', `re-queueing job ${id}`))
    .andThen(({ rowsAffected }) =>
      rowsAffected === 1
        ? okAsync(undefined)
        : jobStatus(rt, id).andThen((job) =>
            errAsync(
              jobsError(
                'CONFLICT',
                'requeue',
                `job ${id} is ${job.state}; only dead or cancelled jobs can be re-queued`,
              ),
            ),
          ),
    );
}

/** `list(options)`: newest first, filtered, a page at a time (keyset cursor `<createdAt>.<id>`). */
export function listJobs(rt: JobsRuntime, options: ListOptions = {}): ResultAsync<JobPage, JobsError> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return errAsync(
      jobsError('INVALID_ARGUMENT', 'list', `list: limit must be an integer from 1 to 1000, got ${String(limit)}`),
    );
  }
  if (options.queue !== undefined) where.push('queue = ?') && params.push(options.queue);
  if (options.name !== undefined) where.push('name = ?') && params.push(options.name);
  if (options.state !== undefined) {
    const wanted = typeof options.state === 'string' ? [options.state] : [...options.state];
    const unknown = wanted.filter((s) => !states.includes(s));
    if (unknown.length > 0 || wanted.length === 0) {
      return errAsync(
        jobsError(
          'INVALID_ARGUMENT',
          'list',
          `list: state must be among ${states.join(', ')}, got ${unknown.join(', ') || 'none'}`,
        ),
      );
    }
    where.push(`state IN (${wanted.map(() => '?').join(', ')})`);
    params.push(...wanted);
  }
  if (options.cursor !== undefined) {
    const [createdAt, id] = [
      options.cursor.slice(0, options.cursor.indexOf('.')),
      options.cursor.slice(options.cursor.indexOf('.') + 1),
    ];
    if (!/^\d+$/.test(createdAt) || id === '') {
      return errAsync(
        jobsError('INVALID_ARGUMENT', 'list', `list: cursor '${options.cursor}' is not one list returned`),
      );
    }
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(Number(createdAt), Number(createdAt), id);
  }
  const statement =
    `SELECT ${jobColumns} FROM ${rt.options.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
    'ORDER BY created_at DESC, id DESC LIMIT ?';
  return rt.sql
    .query(statement, [...params, limit + 1])
    .mapErr(fromSql('list', 'listing jobs'))
    .map(({ rows }) => {
      const jobs = rows.slice(0, limit).map(jobFromRow);
      const last = jobs.at(-1);
      return rows.length > limit && last ? { jobs, next: `${last.createdAt}.${last.id}` } : { jobs };
    });
}

/** `counts()`: jobs per queue and state. */
export function countJobs(rt: JobsRuntime): ResultAsync<Record<string, Partial<Record<JobState, number>>>, JobsError> {
  return rt.sql
    .query(rt.statements.counts)
    .mapErr(fromSql('counts', 'counting jobs'))
    .map(({ rows }) => {
      const counts: Record<string, Partial<Record<JobState, number>>> = {};
      for (const [queue, state, n] of rows) (counts[queue as string] ??= {})[state as JobState] = Number(n);
      return counts;
    });
}
