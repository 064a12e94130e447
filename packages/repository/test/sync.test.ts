import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { type Sql, errAsync, runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRepository, defineRepository } from '../src/index.js';
import { migrate } from './support/databases.js';
import { Task, plainTasks, task, tasks, tenantTasks } from './support/definitions.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-repository-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

describe('repository.sync on SQLite', () => {
  let sql: Sql;
  beforeEach(async () => {
    sql = createSqliteSql({ filename: join(dir, `sync-${counter++}.sqlite`) });
    await migrate(sql);
  });
  afterEach(() => sql.close());

  it('runs every operation at once, on the same rows and trail as the asynchronous repository', async () => {
    const repo = createRepository(sql, tasks);
    const s = repo.sync;
    if (!s) throw new Error('a repository on SQLite has sync');
    const created = expectOk(runInContext({ actor: 'ada' }, () => s.create(task({ id: 'a', points: 1 }))));
    expect(created).toMatchObject({ id: 'a', version: 1 });
    expect(expectOk(await repo.findById('a'))).toEqual(created);
    expectOk(s.create(task({ id: 'b', points: 2 })));
    expectOk(await repo.create(task({ id: 'c', points: 3 })));
    expect(expectOk(s.findById('c')).points).toBe(3);

    const first = expectOk(s.findMany({ orderBy: { field: 'points', direction: 'desc' }, limit: 2 }));
    expect(first.items.map((t) => t.id)).toEqual(['c', 'b']);
    const rest = expectOk(s.findMany({ orderBy: { field: 'points', direction: 'desc' }, after: first.next }));
    expect(rest.items.map((t) => t.id)).toEqual(['a']);
    // The cursors are the asynchronous repository's: one opens in the other.
    const asyncRest = expectOk(
      await repo.findMany({ orderBy: { field: 'points', direction: 'desc' }, after: first.next }),
    );
    expect(asyncRest.items).toEqual(rest.items);
    expect(expectOk(s.count({ where: { points: { gte: 2 } } }))).toBe(2);

    const updated = expectOk(s.update('a', { title: 'Renamed' }, { expectedVersion: 1 }));
    expect(updated).toMatchObject({ title: 'Renamed', version: 2 });
    expect(expectErr(s.update('a', { title: 'Stale' }, { expectedVersion: 1 }), 'CONFLICT').currentVersion).toBe(2);
    expect(expectErr(s.update('a', { title: '' }), 'VALIDATION').field).toBe('title');
    expectErr(s.create(task({ id: 'd', slug: created.slug })), 'DUPLICATE');
    const deleted = expectOk(runInContext({ actor: 'bob' }, () => s.delete('a')));
    expect(deleted).toMatchObject({ deletedBy: 'bob', version: 3 });
    expectErr(s.findById('a'), 'NOT_FOUND');
    expect(expectOk(s.restore('a')).deletedAt).toBeUndefined();

    expect(expectOk(s.versions('a')).map((v) => v.operation)).toEqual(['create', 'update', 'delete', 'restore']);
    expect(expectOk(s.version('a', 1)).entity.title).toBe(created.title);
    expect(expectOk(s.diff('a', 1, 2))).toEqual({ title: { old: created.title, new: 'Renamed' } });
    expect(expectOk(s.revert('a', 1))).toMatchObject({ title: created.title, version: 5 });
    const audit = expectOk(s.audit({ entityId: 'a' }));
    expect(audit.map((r) => [r.operation, r.actor])).toEqual([
      ['create', 'ada'],
      ['update', undefined],
      ['delete', 'bob'],
      ['restore', undefined],
      ['revert', undefined],
    ]);
    expect(expectOk(await repo.audit({ entityId: 'a' }))).toEqual(audit);
    expectOk(s.purge('a'));
    expectErr(await repo.findById('a', { withDeleted: true }), 'NOT_FOUND');
    expect(expectOk(s.versions('a'))).toEqual([]);
    // The same programming mistakes throw.
    expect(() => createRepository(sql, plainTasks).sync?.restore('x')).toThrow(/softDelete/);
  });

  it('is tenant-scoped like the asynchronous repository', () => {
    const s = createRepository(sql, tenantTasks).sync;
    if (!s) throw new Error('a repository on SQLite has sync');
    expectErr(s.findMany(), 'NO_TENANT');
    expectOk(runInContext({ tenantId: 'acme' }, () => s.create(task({ id: 'x' }))));
    runInContext({ tenantId: 'globex' }, () => {
      expectErr(s.findById('x'), 'NOT_FOUND');
      expectErr(s.update('x', { title: 'stolen' }), 'NOT_FOUND');
      expect(expectOk(s.findMany()).items).toEqual([]);
    });
    expect(runInContext({ tenantId: 'acme' }, () => expectOk(s.findById('x')).title)).not.toBe('stolen');
  });

  it("joins the caller's synchronous transaction; a failed write leaves it usable", async () => {
    const repo = createRepository(sql, tasks);
    const s = repo.sync;
    const sync = sql.sync;
    if (!s || !sync) throw new Error('SQLite is synchronous');
    const tx = expectOk(sync.begin());
    expectOk(s.create(task({ id: 'in', slug: 'taken' }), { tx }));
    // DUPLICATE inside the transaction: its savepoint is rolled back, the transaction goes on.
    expectErr(s.create(task({ id: 'dup', slug: 'taken' }), { tx }), 'DUPLICATE');
    expect(expectOk(s.findById('in', { tx })).slug).toBe('taken');
    expectOk(tx.rollback());
    expectErr(s.findById('in'), 'NOT_FOUND');
    const committed = expectOk(sync.begin());
    expectOk(s.create(task({ id: 'kept' }), { tx: committed }));
    expectOk(committed.commit());
    expect(expectOk(await repo.count())).toBe(1);
    // A Sql, or an asynchronous transaction, is not a synchronous one.
    expectErr(s.findById('kept', { tx: sql as never }), 'NOT_IN_TRANSACTION');
    await sql.transaction(async (asyncTx) => {
      expectErr(s.update('kept', { title: 'x' }, { tx: asyncTx as never }), 'NOT_IN_TRANSACTION');
      // While an asynchronous caller holds the connection, a synchronous call is BUSY, not a wait.
      expectErr(s.findById('kept'), 'BUSY');
      return errAsync('rolled back');
    });
    expect(expectOk(s.findById('kept')).version).toBe(1);
  });

  it('refuses a schema that validates asynchronously with UNSUPPORTED, writing nothing', async () => {
    const asyncTask: StandardSchemaV1<Task, Task> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) => Task['~standard'].validate(value) as StandardSchemaV1.Result<Task>,
      },
    };
    const slow = defineRepository({
      table: 'plain_tasks',
      entity: 'PlainTask',
      schema: asyncTask,
      id: 'id',
      fields: {
        id: 'text',
        title: 'text',
        slug: 'text',
        done: 'boolean',
        points: 'integer',
        weight: 'real',
        tags: 'json',
        dueAt: { type: 'timestamp', optional: true },
        note: { type: 'text', nullable: true },
      },
    });
    const repo = createRepository(sql, slow);
    const s = repo.sync;
    if (!s) throw new Error('a repository on SQLite has sync');
    const created = expectErr(s.create(task({ id: 'x' })), 'UNSUPPORTED');
    expect(created.message).toContain('validates asynchronously');
    expectOk(await repo.create(task({ id: 'y' })));
    expectErr(s.update('y', { title: 'new' }), 'UNSUPPORTED');
    expect(expectOk(s.findMany())).toMatchObject({ items: [{ id: 'y', version: 1 }] });
  });

  it('has no sync with events (publishing is asynchronous), nor on PostgreSQL', async () => {
    const events = { publish: () => errAsync(new Error('unused')) };
    expect(createRepository(sql, tasks, { events }).sync).toBeUndefined();
    const pg = createPostgresSql({ connectionString: 'postgres://127.0.0.1:1/never-opened' });
    expect(pg.capabilities.synchronous).toBe(false);
    expect(createRepository(pg, tasks).sync).toBeUndefined();
    await pg.close();
  });
});
