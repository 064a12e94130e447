import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createMigrator, runInContext } from '@keel/core';
import { createRepositoryMigrator } from '@keel/repository';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppEvents } from '../src/app-events.js';
import { migrations } from '../src/migrations.js';
import { createReadCache, workspaceTag } from '../src/read-cache.js';
import { createTaskRepository } from '../src/task-repository.js';
import { eventually } from './client.js';

// A change made without the routes (no route-side invalidation) still reaches the cache: the
// task repository's event invalidates the workspace's tag.
describe('read cache', () => {
  const sql = createSqliteSql({ filename: ':memory:' });
  const kv = createMemoryKv();
  const events = createAppEvents(sql);
  afterAll(async () => {
    await events.close();
    await sql.close();
    await kv.close();
  });

  it('says hit or miss, and is invalidated by the task events of its workspace only', async () => {
    (await createRepositoryMigrator(sql).up())._unsafeUnwrap();
    (await createMigrator(sql, { migrations, scope: 'saas' }).up())._unsafeUnwrap();
    (await events.migrate())._unsafeUnwrap();
    const cache = createReadCache(kv, 60_000);
    await cache.subscribe(events, { pollIntervalMs: 20 })?.ready();
    const tasks = createTaskRepository(sql, events);
    let loads = 0;
    const list = (workspace: number) =>
      cache.get(`tasks:${workspace}`, [workspaceTag(workspace)], async () => [workspace, ++loads]);

    expect(await list(7)).toEqual({ value: [7, 1], hit: false });
    expect(await list(7)).toEqual({ value: [7, 1], hit: true });
    expect(await list(8)).toEqual({ value: [8, 2], hit: false });
    await runInContext({ tenantId: '7', actor: 'u1' }, () =>
      tasks.create({ id: 1, title: 'Invalidate me', done: false, createdBy: 'u1', completedAt: null }),
    );
    await eventually(async () => ((await list(7)).hit ? undefined : true));
    expect(await list(8)).toEqual({ value: [8, 2], hit: true });
  });
});
