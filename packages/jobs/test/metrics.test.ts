import { createSqliteSql } from '@keel/adapter-sqlite';
import { createObservability } from '@keel/core';
import { expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createJobs, defineJob } from '../src/index.js';

it('the queue depth is a gauge, counted when metrics are read', async () => {
  const observability = createObservability({ prometheus: true });
  const sql = createSqliteSql({ filename: ':memory:' });
  const jobs = createJobs({ sql, observability, jobs: { 'digest.send': defineJob() } });
  expectOk(await jobs.migrate());
  for (let i = 0; i < 3; i++) expectOk(await jobs.enqueue('digest.send', { i }));
  expect(await observability.metricsText()).toContain(
    'keel_jobs_count{table="keel_jobs",queue="default",state="waiting"} 3',
  );
  await jobs.close();
  expect(await observability.metricsText()).not.toContain('keel_jobs_count');
  await sql.close();
});
