import { runInContext } from '@keel/core';
import { ManualClock, expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createAuditLog, createRepository } from '../src/index.js';
import { onDatabases } from './support/databases.js';
import { counters, plainTasks, task, tasks } from './support/definitions.js';

onDatabases('audit trail', (db) => {
  it('records every change with the fields old → new, the actor, the correlation id and the time', async () => {
    const clock = new ManualClock(Date.parse('2026-05-01T12:00:00.000Z'));
    const repo = createRepository(db().sql, tasks, { clock });
    const as = <T>(actor: string, fn: () => T) => runInContext({ actor, correlationId: `req-${actor}` }, fn);
    const created = expectOk(await as('ada', () => repo.create(task({ title: 'Draft', tags: ['x'] }))));
    clock.advance(1000);
    expectOk(await as('bob', () => repo.update(created.id, { title: 'Final', tags: ['x', 'y'] })));
    clock.advance(1000);
    expectOk(await as('ada', () => repo.delete(created.id)));
    expectOk(await as('ada', () => repo.restore(created.id)));

    const trail = expectOk(await repo.audit({ entityId: created.id }));
    expect(trail.map((r) => [r.operation, r.version, r.actor, r.correlationId])).toEqual([
      ['create', 1, 'ada', 'req-ada'],
      ['update', 2, 'bob', 'req-bob'],
      ['delete', 3, 'ada', 'req-ada'],
      ['restore', 4, 'ada', 'req-ada'],
    ]);
    expect(trail[0]?.changes.title).toEqual({ old: null, new: 'Draft' });
    expect(trail[0]?.at).toEqual(new Date('2026-05-01T12:00:00.000Z'));
    expect(trail[1]?.changes).toEqual({ title: { old: 'Draft', new: 'Final' }, tags: { old: ['x'], new: ['x', 'y'] } });
    expect(trail[1]?.at).toEqual(new Date('2026-05-01T12:00:01.000Z'));
    expect(trail[2]?.changes).toEqual({
      deletedAt: { old: null, new: '2026-05-01T12:00:02.000Z' },
      deletedBy: { old: null, new: 'ada' },
    });
    expect(trail[3]?.changes.deletedBy).toEqual({ old: 'ada', new: null });
    expect(trail.every((r) => r.entity === 'Task' && r.entityId === created.id && r.tenantId === '')).toBe(true);
  });

  it('records a delete for good with every old value, and integer ids and bigints as text', async () => {
    const repo = createRepository(db().sql, counters);
    expectOk(await repo.create({ id: 7, value: 1, big: 2n ** 62n }));
    expectOk(await repo.delete(7));
    const trail = expectOk(await repo.audit({ entityId: 7 }));
    expect(trail.map((r) => r.operation)).toEqual(['create', 'delete']);
    expect(trail[1]?.changes).toEqual({
      id: { old: 7, new: null },
      value: { old: 1, new: null },
      big: { old: String(2n ** 62n), new: null },
    });
  });

  it('queries across entities by actor, entity, operation and time range, page by page, and purges by age', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
    const repo = createRepository(db().sql, tasks, { clock });
    const numbers = createRepository(db().sql, counters, { clock });
    for (let day = 0; day < 6; day++) {
      await runInContext({ actor: day % 2 === 0 ? 'ada' : 'bob' }, async () => {
        expectOk(await repo.create(task()));
        expectOk(await numbers.create({ id: day, value: day, big: 0n }));
      });
      clock.advance(86_400_000);
    }
    const log = createAuditLog(db().sql);
    expect(expectOk(await log.query())).toHaveLength(12);
    expect(expectOk(await log.query({ actor: 'bob' })).map((r) => r.actor)).toEqual(Array(6).fill('bob'));
    expect(expectOk(await log.query({ entity: 'Counter', actor: 'ada' })).map((r) => r.entityId)).toEqual([
      '0',
      '2',
      '4',
    ]);
    const window = expectOk(
      await log.query({ from: new Date('2026-01-02T00:00:00Z'), to: new Date('2026-01-04T00:00:00Z') }),
    );
    expect(window.map((r) => r.at.toISOString().slice(0, 10))).toEqual([
      '2026-01-02',
      '2026-01-02',
      '2026-01-03',
      '2026-01-03',
    ]);
    const first = expectOk(await log.query({ limit: 5 }));
    const second = expectOk(await log.query({ limit: 5, afterId: first.at(-1)?.id as number }));
    expect([...first, ...second].map((r) => r.id)).toEqual(expectOk(await log.query({ limit: 10 })).map((r) => r.id));
    expect(expectOk(await log.query({ operation: 'update' }))).toEqual([]);
    expectErr(await log.query({ from: new Date('nope') }), 'INVALID_QUERY');
    expectErr(await log.query({ limit: 0 }), 'INVALID_QUERY');

    // Retention: everything before Jan 3 goes.
    expect(expectOk(await log.purge({ before: new Date('2026-01-03T00:00:00Z') }))).toBe(4);
    expect(expectOk(await log.query())).toHaveLength(8);
    expect(expectOk(await log.query()).every((r) => r.at >= new Date('2026-01-03T00:00:00Z'))).toBe(true);
  });

  it('writes no audit records for a repository defined without audit', async () => {
    const repo = createRepository(db().sql, plainTasks);
    const created = expectOk(await repo.create(task()));
    expectOk(await repo.update(created.id, { title: 'x' }));
    expect(expectOk(await createAuditLog(db().sql).query())).toEqual([]);
    expect(() => repo.audit()).toThrow(/audit/);
  });
});
