import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/jobs`,
// `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`, and croner to its package.
const script = `
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createJobs, defineJob, JobsError } from '@keel/jobs';
  const sql = createSqliteSql({ filename: ':memory:' });
  const jobs = createJobs({ sql, pollIntervalMs: 5, jobs: { double: defineJob() } });
  (await jobs.migrate())._unsafeUnwrap();
  jobs.work('double', ({ payload }) => payload * 2)._unsafeUnwrap();
  const { id } = (await jobs.enqueue('double', 21))._unsafeUnwrap();
  let job;
  do job = (await jobs.status(id))._unsafeUnwrap(); while (job.state !== 'completed' && (await new Promise((r) => setTimeout(r, 5)), true));
  const bad = jobs.schedule('x', { job: 'double', cron: 'nope' });
  await jobs.close();
  await sql.close();
  console.log(JSON.stringify({ result: job.result, error: bad._unsafeUnwrapErr() instanceof JobsError, code: bad._unsafeUnwrapErr().code }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'works from plain node with the built core and adapter',
  expected: { result: 42, error: true, code: 'INVALID_SCHEDULE' },
});
