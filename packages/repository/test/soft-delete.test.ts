import { runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { plainTasks, task, tasks } from './support/definitions.js';

onDatabases('soft delete', (db) => {
  it('marks the entity deleted, by whom and when; reads skip it unless withDeleted', async () => {
    const repo = createRepository(db().sql, tasks);
    const kept = expectOk(await repo.create(task()));
    const gone = expectOk(await repo.create(task()));
    const deleted = expectOk(await runInContext({ actor: 'ada' }, () => repo.delete(gone.id)));
    expect(deleted).toMatchObject({ version: 2, deletedBy: 'ada' });
    expect(deleted.deletedAt).toBeInstanceOf(Date);
    expectErr(await repo.findById(gone.id), 'NOT_FOUND');
    expect(expectOk(await repo.findById(gone.id, { withDeleted: true }))).toEqual(deleted);
    expect(expectOk(await repo.findMany()).items.map((t) => t.id)).toEqual([kept.id]);
    expect(expectOk(await repo.findMany({ withDeleted: true })).items).toHaveLength(2);
    expect(expectOk(await repo.count())).toBe(1);
    expect(expectOk(await repo.count({ withDeleted: true }))).toBe(2);
    expect(expectOk(await repo.count({ withDeleted: true, where: { deletedBy: 'ada' } }))).toBe(1);
    // A deleted entity is not there to update or delete again.
    expectErr(await repo.update(gone.id, { title: 'x' }), 'NOT_FOUND');
    expectErr(await repo.delete(gone.id), 'NOT_FOUND');
  });

  it('restores a deleted entity as the next version; restoring a live one changes nothing', async () => {
    const repo = createRepository(db().sql, tasks);
    const created = expectOk(await repo.create(task()));
    expectOk(await repo.delete(created.id));
    const restored = expectOk(await repo.restore(created.id));
    expect(restored).toEqual({ ...created, version: 3, updatedAt: restored.updatedAt });
    expect(expectOk(await repo.findById(created.id))).toEqual(restored);
    expect(expectOk(await repo.restore(created.id))).toEqual(restored);
    expectErr(await repo.restore('nope'), 'NOT_FOUND');
  });

  it('lets a new entity take the unique values of a deleted one, and refuses to restore the old one then', async () => {
    const repo = createRepository(db().sql, tasks);
    const old = expectOk(await repo.create(task({ slug: 'launch' })));
    expectErr(await repo.create(task({ slug: 'launch' })), 'DUPLICATE');
    expectOk(await repo.delete(old.id));
    // The unique index is partial (WHERE deleted_at IS NULL): a deleted entity holds no value.
    const successor = expectOk(await repo.create(task({ slug: 'launch' })));
    const refused = expectErr(await repo.restore(old.id), 'DUPLICATE');
    expect(refused.field).toBe('slug');
    // Nothing half-written: the old one is still deleted, at its version.
    expect(expectOk(await repo.findById(old.id, { withDeleted: true }))).toMatchObject({ version: 2 });
    expect(expectOk(await repo.findById(old.id, { withDeleted: true })).deletedAt).toBeInstanceOf(Date);
    expect(expectOk(await repo.audit({ entityId: old.id })).map((r) => r.operation)).toEqual(['create', 'delete']);
    // Once the successor is deleted as well, the old one comes back.
    expectOk(await repo.delete(successor.id));
    expectOk(await repo.restore(old.id));
    // The id stays taken while deleted: ids are never reused by a soft-deleted entity.
    expect(expectErr(await repo.create(task({ id: successor.id, slug: 'other' })), 'DUPLICATE').field).toBe('id');
  });

  it('purges a deleted or live entity for good, its snapshots with it', async () => {
    const repo = createRepository(db().sql, tasks);
    const a = expectOk(await repo.create(task()));
    const b = expectOk(await repo.create(task()));
    expectOk(await repo.update(a.id, { title: 'changed' }));
    expectOk(await repo.delete(a.id));
    expectOk(await repo.purge(a.id));
    expectOk(await repo.purge(b.id));
    expectErr(await repo.findById(a.id, { withDeleted: true }), 'NOT_FOUND');
    expectErr(await repo.findById(b.id, { withDeleted: true }), 'NOT_FOUND');
    expect(expectOk(await repo.versions(a.id))).toEqual([]);
    expectErr(await repo.purge(a.id), 'NOT_FOUND');
    // The audit trail keeps the purge, with no values.
    const trail = expectOk(await repo.audit({ entityId: a.id }));
    expect(trail.map((r) => r.operation)).toEqual(['create', 'update', 'delete', 'purge']);
    expect(trail.at(-1)?.changes).toEqual({});
    // The id can be used again, from version 1.
    expect(expectOk(await repo.create(task({ id: a.id }))).version).toBe(1);
  });

  it('throws on restore for a repository defined without soft delete (a programming mistake)', () => {
    const repo = createRepository(db().sql, plainTasks);
    expect(() => repo.restore('x')).toThrow(/softDelete/);
  });
});
