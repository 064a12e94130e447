import { runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { plainTasks, task, tasks } from './support/definitions.js';

onDatabases('create, read, update, delete', (db) => {
  it('creates an entity and reads back every kind of field as it was written', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const due = new Date('2026-03-01T10:20:30.456Z');
    const written = task({ dueAt: due, note: 'café ☕', tags: ['x', 'y'], weight: 0.1 + 0.2, done: true });
    const created = expectOk(await repo.create(written));
    expect(created).toMatchObject({ ...written, version: 1 });
    expect(created.createdAt).toBeInstanceOf(Date);
    const found = expectOk(await repo.findById(written.id));
    expect(found).toEqual(created);
    expect(found.dueAt?.getTime()).toBe(due.getTime());
    expect(found.weight).toBe(0.1 + 0.2);
    // An optional field left out reads back missing, a nullable one as null.
    const bare = expectOk(await repo.create(task({ note: null })));
    expect('dueAt' in expectOk(await repo.findById(bare.id))).toBe(false);
    expect(expectOk(await repo.findById(bare.id)).note).toBeNull();
  });

  it('generates a text id when create is given none', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const { id: _, ...rest } = task();
    const created = expectOk(await repo.create(rest));
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(expectOk(await repo.findById(created.id)).title).toBe(rest.title);
  });

  it('refuses an invalid entity with VALIDATION naming the field, and writes nothing', async () => {
    const repo = createRepository(db().sql, tasks);
    const bad = expectErr(await repo.create(task({ id: 'bad', title: '' })), 'VALIDATION');
    expect(bad.field).toBe('title');
    expect(bad.issues).toEqual([{ path: 'title', message: 'a title is required' }]);
    expect(bad.message).toContain('title');
    const wrongType = expectErr(await repo.create({ ...task({ id: 'bad2' }), points: 'many' } as never), 'VALIDATION');
    expect(wrongType.field).toBe('points');
    expect(expectOk(await repo.count({ withDeleted: true }))).toBe(0);
    expectErr(await repo.findById('bad'), 'NOT_FOUND');
  });

  it('answers NOT_FOUND for an unknown id and VALIDATION for an id of the wrong type', async () => {
    const repo = createRepository(db().sql, tasks);
    const missing = expectErr(await repo.findById('nope'), 'NOT_FOUND');
    expect(missing.message).toContain('nope');
    expectErr(await repo.update('nope', { title: 'x' }), 'NOT_FOUND');
    expectErr(await repo.delete('nope'), 'NOT_FOUND');
    expect(expectErr(await repo.findById(42 as never), 'VALIDATION').field).toBe('id');
  });

  it('updates with a patch: validated, version bumped, only what changed', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const created = expectOk(await repo.create(task()));
    const updated = expectOk(await repo.update(created.id, { title: 'Renamed', points: 99 }));
    expect(updated).toMatchObject({ title: 'Renamed', points: 99, slug: created.slug, version: 2 });
    expect(expectOk(await repo.findById(created.id))).toEqual(updated);
    // The repository's own fields in a patch are ignored, so a stored entity can be passed back.
    const again = expectOk(await repo.update(created.id, { ...updated, title: 'Third' }));
    expect(again.version).toBe(3);
    // Nothing changed: no new version.
    expect(expectOk(await repo.update(created.id, { title: 'Third' })).version).toBe(3);
    const invalid = expectErr(await repo.update(created.id, { points: -1 }), 'VALIDATION');
    expect(invalid.field).toBe('points');
    const unknown = expectErr(await repo.update(created.id, { colour: 'red' } as never), 'UNKNOWN_FIELD');
    expect(unknown.field).toBe('colour');
    expect(expectErr(await repo.update(created.id, { id: 'other' }), 'VALIDATION').field).toBe('id');
    expect(expectOk(await repo.findById(created.id))).toEqual(again);
  });

  it('clears an optional field when the patch sets it to undefined', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const created = expectOk(await repo.create(task({ dueAt: new Date('2026-01-01T00:00:00Z') })));
    expectOk(await repo.update(created.id, { dueAt: undefined }));
    expect('dueAt' in expectOk(await repo.findById(created.id))).toBe(false);
  });

  it('answers DUPLICATE for a taken id or unique value, naming the field', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const first = expectOk(await repo.create(task({ slug: 'same' })));
    const sameId = expectErr(await repo.create(task({ id: first.id })), 'DUPLICATE');
    expect(sameId.field).toBe('id');
    const sameSlug = expectErr(await repo.create(task({ slug: 'same' })), 'DUPLICATE');
    expect(sameSlug.field).toBe('slug');
    expect(sameSlug.cause).toMatchObject({ code: 'CONSTRAINT_VIOLATION' });
    const other = expectOk(await repo.create(task()));
    expectErr(await repo.update(other.id, { slug: 'same' }), 'DUPLICATE');
    expect(expectOk(await repo.count())).toBe(2);
  });

  it('deletes for good when the repository has no soft delete', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const created = expectOk(await repo.create(task()));
    expect(expectOk(await repo.delete(created.id))).toEqual(created);
    expectErr(await repo.findById(created.id), 'NOT_FOUND');
    expectErr(await repo.delete(created.id), 'NOT_FOUND');
    // The id is free again.
    expectOk(await repo.create(task({ id: created.id })));
  });

  it('counts with filters', async () => {
    const repo = createRepository(db().sql, plainTasks);
    for (let i = 0; i < 5; i++) expectOk(await repo.create(task({ done: i % 2 === 0 })));
    expect(expectOk(await repo.count())).toBe(5);
    expect(expectOk(await repo.count({ where: { done: true } }))).toBe(3);
  });

  it('runs without a context when not tenant-scoped, and records the actor when there is one', async () => {
    const repo = createRepository(db().sql, tasks);
    const created = expectOk(await runInContext({ actor: 'ada' }, () => repo.create(task())));
    const deleted = expectOk(await runInContext({ actor: 'bob' }, () => repo.delete(created.id)));
    expect(deleted.deletedBy).toBe('bob');
  });
});
