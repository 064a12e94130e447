import { runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { plainTasks, task, tasks } from './support/definitions.js';

onDatabases('versions', (db) => {
  it('keeps a snapshot of every version: get one, list them, diff two', async () => {
    const repo = createRepository(db().sql, tasks);
    const v1 = expectOk(
      await runInContext({ actor: 'ada' }, () => repo.create(task({ title: 'One', points: 1, tags: ['a'] }))),
    );
    const v2 = expectOk(await repo.update(v1.id, { title: 'Two', dueAt: new Date('2026-02-02T00:00:00Z') }));
    const v3 = expectOk(await repo.update(v1.id, { points: 3, tags: ['a', 'b'], note: 'n' }));
    expect(expectOk(await repo.version(v1.id, 1))).toMatchObject({
      version: 1,
      operation: 'create',
      actor: 'ada',
      entity: v1,
    });
    expect(expectOk(await repo.version(v1.id, 2)).entity).toEqual(v2);
    expect(expectOk(await repo.version(v1.id, 3)).entity).toEqual(v3);
    expect(expectOk(await repo.versions(v1.id)).map((v) => [v.version, v.operation])).toEqual([
      [1, 'create'],
      [2, 'update'],
      [3, 'update'],
    ]);
    expect(expectOk(await repo.diff(v1.id, 1, 3))).toEqual({
      title: { old: 'One', new: 'Two' },
      points: { old: 1, new: 3 },
      tags: { old: ['a'], new: ['a', 'b'] },
      dueAt: { old: null, new: '2026-02-02T00:00:00.000Z' },
      note: { old: null, new: 'n' },
    });
    expect(expectOk(await repo.diff(v1.id, 3, 3))).toEqual({});
    expectErr(await repo.version(v1.id, 4), 'NOT_FOUND');
    expectErr(await repo.diff(v1.id, 1, 9), 'NOT_FOUND');
    expectErr(await repo.version(v1.id, 0), 'VALIDATION');
  });

  it('reverts: a new version whose fields equal an old one, the old snapshots untouched', async () => {
    const repo = createRepository(db().sql, tasks);
    const v1 = expectOk(await repo.create(task({ title: 'One', note: null })));
    expectOk(await repo.update(v1.id, { title: 'Two', note: 'x', dueAt: new Date('2026-02-02T00:00:00Z') }));
    const reverted = expectOk(await repo.revert(v1.id, 1, { expectedVersion: 2 }));
    expect(reverted.version).toBe(3);
    const { version: _a, updatedAt: _b, ...fields } = reverted;
    const { version: _c, updatedAt: _d, ...original } = v1;
    expect(fields).toEqual(original);
    expect('dueAt' in reverted).toBe(false);
    expect(expectOk(await repo.diff(v1.id, 1, 3))).toEqual({});
    expect(expectOk(await repo.version(v1.id, 3)).operation).toBe('revert');
    expect(expectOk(await repo.version(v1.id, 2)).entity.title).toBe('Two');
    expect(expectOk(await repo.audit({ entityId: v1.id })).at(-1)).toMatchObject({ operation: 'revert', version: 3 });
    // A stale expectedVersion conflicts, as an update does.
    expect(expectErr(await repo.revert(v1.id, 2, { expectedVersion: 2 }), 'CONFLICT').currentVersion).toBe(3);
  });

  it('snapshots deletes and restores too', async () => {
    const repo = createRepository(db().sql, tasks);
    const created = expectOk(await repo.create(task()));
    expectOk(await runInContext({ actor: 'bob' }, () => repo.delete(created.id)));
    expectOk(await repo.restore(created.id));
    const all = expectOk(await repo.versions(created.id));
    expect(all.map((v) => v.operation)).toEqual(['create', 'delete', 'restore']);
    expect(all[1]?.entity.deletedBy).toBe('bob');
    expect(expectOk(await repo.diff(created.id, 1, 2))).toMatchObject({ deletedBy: { old: null, new: 'bob' } });
  });

  it('throws when asked for versions of a repository defined without them', () => {
    const repo = createRepository(db().sql, plainTasks);
    expect(() => repo.versions('x')).toThrow(/versions/);
  });
});
