import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql, sqliteAdapter } from '@keel/adapter-sqlite';
import { createKeel, createToken } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { defineJob, type Jobs, jobsService } from '../src/index.js';
import { eventually } from './support/databases.js';

const root = await mkdtemp(join(tmpdir(), 'keel-jobs-service-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const definitions = { greet: defineJob<{ name: string }, string>() };

describe('jobsService', () => {
  it('runs on the sql instance it names, migrated at start-up, and closes its workers before the database', async () => {
    const token = createToken<Jobs<typeof definitions>>('app:jobs');
    const keel = expectOk(
      await createKeel(
        {
          sql: {
            main: { adapter: 'sqlite', options: { filename: ':memory:' } },
            work: { adapter: 'sqlite', options: { filename: join(root, 'work.sqlite') } },
          },
        },
        {
          adapters: [sqliteAdapter],
          services: [jobsService({ sql: 'work', jobs: definitions, pollIntervalMs: 10 }, token)],
          env: false,
        },
      ),
    );
    const jobs = keel.resolve(token);
    let started = 0;
    expectOk(
      jobs.work('greet', async ({ payload }) => {
        started++;
        // Still running when keel.close() begins: it finishes within the grace and is recorded.
        if (payload.name === 'Grace') await new Promise((resolve) => setTimeout(resolve, 100));
        return `hello ${payload.name}`;
      }),
    );
    const { id } = expectOk(
      await keel.sql('work').transaction(async (tx) => jobs.enqueue(tx, 'greet', { name: 'Ada' })),
    );
    const done = await eventually(async () => {
      const job = expectOk(await jobs.status(id));
      return job.state === 'completed' && job;
    });
    expect(done.result).toBe('hello Ada');
    // The jobs table is in the named database, not the default one.
    expect(
      expectOk(await keel.sql('main').query("SELECT name FROM sqlite_master WHERE name = 'keel_jobs'")).rows,
    ).toEqual([]);

    const late = expectOk(await jobs.enqueue('greet', { name: 'Grace' })).id;
    await eventually(() => started === 2);
    await keel.close();
    expect(jobs.work('greet', () => 'again').isErr()).toBe(true);
    const file = createSqliteSql({ filename: join(root, 'work.sqlite') });
    const row = expectOk(await file.query('SELECT state, result FROM keel_jobs WHERE id = ?', [late])).rows;
    expect(row).toEqual([['completed', '"hello Grace"']]);
    await file.close();
  });
});
