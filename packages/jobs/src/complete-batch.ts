import type { SqlValue } from '@keel/core';
import type { ClaimedJob } from './job-rows.js';
import type { JobsRuntime } from './jobs-runtime.js';

/** Completions written per statement at most. */
const maxBatch = 100;

/**
 * Records completed attempts together: those that end in the same turn of the event loop are
 * written by one statement (with no-op handlers, a worker's whole claim completes at once), each
 * still guarded by its claim. Returns, per call, when its completion is written.
 *
 * @example
 * const complete = completions(rt, owner);
 * await complete(job, '"done"');
 */
export function completions(rt: JobsRuntime, owner: string): (job: ClaimedJob, result: string) => Promise<void> {
  const pending: { job: ClaimedJob; result: string; done: () => void }[] = [];
  const t = rt.options.table;
  const statements = new Map<number, string>();
  const statement = (n: number) => {
    let text = statements.get(n);
    if (text === undefined) {
      const rows = Array.from({ length: n }, () => '(?, CAST(? AS INTEGER), ?)').join(', ');
      text =
        `WITH done (id, attempts, result) AS (VALUES ${rows}) ` +
        `UPDATE ${t} SET state = 'completed', result = done.result, finished_at = ?, lease_until = NULL FROM done ` +
        `WHERE ${t}.id = done.id AND ${t}.attempts = done.attempts AND ${t}.state = 'active' AND ${t}.lease_owner = ?`;
      statements.set(n, text);
    }
    return text;
  };
  const flush = async () => {
    const batch = pending.splice(0, maxBatch);
    if (pending.length > 0) setImmediate(() => void flush());
    const params: SqlValue[] = batch.flatMap(({ job, result }) => [job.id, job.attempt, result]);
    const written = await rt.sql.execute(statement(batch.length), [...params, rt.clock.now(), owner]);
    // A write that fails leaves the leases to expire: the jobs run again (at least once).
    if (written.isErr()) rt.onError(written.error);
    for (const { done } of batch) done();
  };
  return (job, result) =>
    new Promise<void>((done) => {
      if (pending.push({ job, result, done }) === 1) setImmediate(() => void flush());
    });
}
