import type { Sql } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, afterEach } from 'vitest';
import { createJobs, type JobMap, type Jobs, type JobsOptions } from '../../src/index.js';
import { freshTable, openDatabase } from './databases.js';

/**
 * Jobs instances on one test database, each on its own fresh tables, closed after each test;
 * the connection closes after the file.
 */
export function jobsFixture(target: string) {
  let sql: Sql | undefined;
  const open: Jobs<JobMap>[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((j) => j.close(100)));
  });
  afterAll(async () => {
    await sql?.close();
  });
  return {
    get sql(): Sql {
      sql ??= openDatabase(target);
      return sql;
    },
    /** A migrated jobs instance on new tables (or on `table`, to share them with another instance). */
    async jobs<M extends JobMap>(options: Omit<JobsOptions<M>, 'sql'>): Promise<Jobs<M>> {
      const jobs = createJobs<M>({ pollIntervalMs: 20, table: freshTable(), ...options, sql: this.sql });
      expectOk(await jobs.migrate());
      open.push(jobs as unknown as Jobs<JobMap>);
      return jobs;
    },
  };
}
