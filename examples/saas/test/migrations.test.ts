import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createMigrator, type Sql } from '@keel/core';
import { createRepositoryMigrator } from '@keel/repository';
import { testPostgres } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/migrations.js';
import { createWorkspaceRepositories, memberId } from '../src/workspace-repository.js';

// Data written before migration 8 (workspaces, members and first sign-ins in plain SQL tables)
// reads back through the repositories after it, on both dialects.
const pg = await testPostgres();
const databases: [string, (() => Promise<Sql>) | undefined][] = [
  ['sqlite', async () => createSqliteSql({ filename: ':memory:' })],
  [
    'postgres',
    pg.server
      ? async () => createPostgresSql({ connectionString: await pg.server?.database('saas_migrations') })
      : undefined,
  ],
];
afterAll(async () => {
  await pg.server?.cleanup();
});

describe.each(databases)('saas migrations on %s', (dialect, open) => {
  it.skipIf(!open)(
    `moves the workspaces onto the repository with their data${open ? '' : ` (${pg.skip})`}`,
    async () => {
      const sql = await (open as () => Promise<Sql>)();
      try {
        (await createRepositoryMigrator(sql).up())._unsafeUnwrap();
        const upTo = (version: number) =>
          createMigrator(sql, { migrations: migrations.filter((m) => m.version <= version), scope: 'saas' }).up();
        (await upTo(7))._unsafeUnwrap();
        const created = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
        for (const [statement, params] of [
          [
            'INSERT INTO workspaces (id, name, plan, created_at, task_count) VALUES (?, ?, ?, ?, ?)',
            [1, 'Old', 'pro', created, 2],
          ],
          [
            'INSERT INTO workspaces (id, name, plan, created_at, task_count) VALUES (?, ?, ?, ?, ?)',
            [2, 'Other', 'free', created, 0],
          ],
          ['INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (?, ?, ?)', [1, 'u1', 'owner']],
          ['INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (?, ?, ?)', [2, 'u1', 'owner']],
          ['INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (?, ?, ?)', [2, 'u2', 'owner']],
          ['INSERT INTO first_sign_ins (user_id) VALUES (?)', ['u1']],
          ['INSERT INTO user_mail (outbox_id, user_id, created_at) VALUES (?, ?, ?)', ['m1', 'u1', created]],
        ] as const) {
          (await sql.execute(statement, [...params]))._unsafeUnwrap();
        }
        (await upTo(Number.MAX_SAFE_INTEGER))._unsafeUnwrap();

        const { workspaces, members, firstSignIns } = createWorkspaceRepositories(sql);
        expect((await workspaces.findById(1))._unsafeUnwrap()).toMatchObject({
          name: 'Old',
          plan: 'pro',
          taskCount: 2,
          version: 1,
          createdAt: new Date(created),
        });
        const ofU1 = (await members.findMany({ where: { userId: 'u1' } }))._unsafeUnwrap().items;
        expect(ofU1.map((m) => [m.id, m.workspaceId, m.role])).toEqual([
          [memberId(1, 'u1'), 1, 'owner'],
          [memberId(2, 'u1'), 2, 'owner'],
        ]);
        expect((await members.findById(memberId(2, 'u2'))).isOk()).toBe(true);
        expect((await firstSignIns.findById('u1')).isOk()).toBe(true);
        expect((await firstSignIns.create({ userId: 'u1' }))._unsafeUnwrapErr().code).toBe('DUPLICATE');
        const mail = (await sql.query('SELECT user_id, idempotency_key FROM user_mail'))._unsafeUnwrap().rows;
        expect(mail).toEqual([['u1', null]]);
        expect(dialect).toBe(sql.capabilities.dialect);
      } finally {
        await sql.close();
      }
    },
  );
});
