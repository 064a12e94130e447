import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/jobs`,
// `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`, and croner to its package.
const cwd = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

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

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('works from plain node with the built core and adapter', () => {
    const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      cwd,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ result: 42, error: true, code: 'INVALID_SCHEDULE' });
  });
});
