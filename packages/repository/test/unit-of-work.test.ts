import { type SqlTransaction, createJsonLogger, err, errAsync, ok, rowsToObjects, runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { type RepositoryEvent, type RepositoryEventPublisher, createAuditLog, createRepository } from '../src/index.js';
import { type TestDatabase, onDatabases } from './support/databases.js';
import { counters, plainTasks, task, tasks } from './support/definitions.js';

/**
 * The smallest events store: `publish(tx, events)` inserts into a table in the caller's
 * transaction (@keel/events does this and more). It refuses the types in `refuse`.
 */
function tableEvents(refuse: Set<string> = new Set()): RepositoryEventPublisher {
  return {
    publish(tx: SqlTransaction, events: RepositoryEvent[]) {
      if (typeof tx?.depth !== 'number') return errAsync(new Error('publish needs a transaction'));
      const refused = events.find((e) => refuse.has(e.type));
      if (refused) return errAsync(new Error(`${refused.type} is refused`));
      return (async () => {
        for (const e of events) {
          const done = await tx.execute('INSERT INTO test_events (type, aggregate_id, data) VALUES (?, ?, ?)', [
            e.type,
            e.aggregateId,
            JSON.stringify(e.data),
          ]);
          if (done.isErr()) return err(done.error);
        }
        return ok(events.length);
      })();
    },
  };
}

async function eventTable(db: TestDatabase) {
  const serial = db.kind === 'postgres' ? 'BIGINT GENERATED ALWAYS AS IDENTITY' : 'INTEGER';
  expectOk(
    await db.sql.executeScript(
      `CREATE TABLE test_events (seq ${serial} PRIMARY KEY, type TEXT NOT NULL, aggregate_id TEXT NOT NULL, data TEXT NOT NULL)`,
    ),
  );
  return async () =>
    rowsToObjects(expectOk(await db.sql.query('SELECT type, aggregate_id, data FROM test_events ORDER BY seq'))).map(
      (r) => ({
        type: r.type,
        aggregateId: r.aggregate_id,
        data: JSON.parse(r.data as string),
      }),
    );
}

onDatabases('unit of work and events', (db) => {
  it('publishes <Entity>Created, Updated and Deleted in the transaction of each change', async () => {
    const published = await eventTable(db());
    const repo = createRepository(db().sql, tasks, { events: tableEvents() });
    const created = expectOk(await repo.create(task({ title: 'One', dueAt: new Date('2026-01-01T00:00:00Z') })));
    expectOk(await repo.update(created.id, { title: 'Two' }));
    expectOk(await repo.delete(created.id));
    expectOk(await repo.restore(created.id));
    expectOk(await repo.purge(created.id));
    const events = await published();
    expect(events.map((e) => [e.type, e.aggregateId, e.data.operation])).toEqual([
      ['TaskCreated', created.id, 'create'],
      ['TaskUpdated', created.id, 'update'],
      ['TaskDeleted', created.id, 'delete'],
      ['TaskUpdated', created.id, 'restore'],
      ['TaskDeleted', created.id, 'purge'],
    ]);
    expect(events[0]?.data.entity).toMatchObject({ title: 'One', dueAt: '2026-01-01T00:00:00.000Z', version: 1 });
    expect(events[1]?.data.changes).toEqual({ title: { old: 'One', new: 'Two' } });
  });

  it('rolls the change back, audit and snapshot included, when the publisher refuses its event (and logs it)', async () => {
    const published = await eventTable(db());
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger({ destination: { write: (line) => lines.push(JSON.parse(line)) } });
    const repo = createRepository(db().sql, tasks, { events: tableEvents(new Set(['TaskUpdated'])), logger });
    const created = expectOk(await repo.create(task({ title: 'Kept' })));
    const refused = expectErr(await repo.update(created.id, { title: 'Lost' }), 'PUBLISH_FAILED');
    expect((refused.cause as Error).message).toContain('TaskUpdated');
    expect(expectOk(await repo.findById(created.id))).toEqual(created);
    expect(expectOk(await repo.versions(created.id))).toHaveLength(1);
    expect(expectOk(await repo.audit())).toHaveLength(1);
    expect((await published()).map((e) => e.type)).toEqual(['TaskCreated']);
    expect(lines).toMatchObject([{ level: 40, entity: 'Task', operation: 'update', type: 'TaskUpdated' }]);
  });

  it('commits several repositories and their events together, or none of it', async () => {
    const published = await eventTable(db());
    const events = tableEvents();
    const taskRepo = createRepository(db().sql, tasks, { events });
    const counterRepo = createRepository(db().sql, counters, { events });
    const plain = createRepository(db().sql, plainTasks);
    expectOk(await counterRepo.create({ id: 1, value: 0, big: 0n }));

    const work = (fail: boolean) =>
      db().sql.transaction(async (tx) => {
        const created = await taskRepo.create(task({ slug: fail ? 'failed' : 'done' }), { tx });
        if (created.isErr()) return err(created.error);
        const counted = await counterRepo.update(1, { value: 1 }, { tx, expectedVersion: 1 });
        if (counted.isErr()) return err(counted.error);
        const copied = await plain.create(task({ slug: fail ? 'failed' : 'done' }), { tx });
        if (copied.isErr()) return err(copied.error);
        const outside = await events.publish(tx, [
          { type: 'Audit', aggregateId: 'x', data: { operation: 'x', entity: {}, changes: {} } },
        ]);
        if (outside.isErr()) return err(outside.error);
        return fail ? err(new Error('payment declined')) : ok(created.value);
      });

    const failed = await work(true);
    expect(failed.isErr() && (failed.error as Error).message).toBe('payment declined');
    expect(expectOk(await taskRepo.count({ withDeleted: true }))).toBe(0);
    expect(expectOk(await plain.count())).toBe(0);
    expect(expectOk(await counterRepo.findById(1)).version).toBe(1);
    expect(expectOk(await createAuditLog(db().sql).query()).map((r) => r.entity)).toEqual(['Counter']);
    expect((await published()).map((e) => e.type)).toEqual(['CounterCreated']);

    const done = expectOk(await work(false));
    expect(expectOk(await taskRepo.findById(done.id))).toEqual(done);
    expect(expectOk(await counterRepo.findById(1))).toMatchObject({ value: 1, version: 2 });
    expect((await published()).map((e) => e.type)).toEqual([
      'CounterCreated',
      'TaskCreated',
      'CounterUpdated',
      'Audit',
    ]);
  });

  it('leaves the caller’s transaction usable after a failed operation in it (a savepoint)', async () => {
    const repo = createRepository(db().sql, tasks);
    expectOk(await repo.create(task({ slug: 'taken' })));
    const outcome = await db().sql.transaction(async (tx) => {
      const duplicate = await repo.create(task({ slug: 'taken' }), { tx });
      expectErr(duplicate, 'DUPLICATE');
      // On PostgreSQL a failed statement would abort the whole transaction without the savepoint.
      return repo.create(task({ slug: 'free' }), { tx });
    });
    expectOk(outcome);
    expect(expectOk(await repo.count())).toBe(2);
  });

  it('sees the transaction’s own uncommitted writes, and answers NOT_IN_TRANSACTION for a plain Sql', async () => {
    const repo = createRepository(db().sql, tasks);
    const outcome = await db().sql.transaction(async (tx) => {
      const created = expectOk(await repo.create(task(), { tx }));
      expect(expectOk(await repo.findById(created.id, { tx }))).toEqual(created);
      expect(expectOk(await repo.count({ tx }))).toBe(1);
      return ok(created);
    });
    expectOk(outcome);
    const wrong = { tx: db().sql as unknown as SqlTransaction };
    expectErr(await repo.create(task(), wrong), 'NOT_IN_TRANSACTION');
    expectErr(await repo.findById('x', wrong), 'NOT_IN_TRANSACTION');
    expect(expectOk(await repo.count())).toBe(1);
  });

  it('writes nothing of a change whose audit record cannot be written', async () => {
    // Another prefix: its audit and versions tables were never created.
    const repo = createRepository(db().sql, tasks, { tablePrefix: 'missing_' });
    const plain = createRepository(db().sql, tasks);
    const failed = expectErr(await repo.create(task()), 'SQL');
    expect(failed.cause).toMatchObject({ code: 'QUERY' });
    expect(expectOk(await plain.count({ withDeleted: true }))).toBe(0);
    const created = expectOk(await plain.create(task({ title: 'kept' })));
    expectErr(await repo.update(created.id, { title: 'lost' }), 'SQL');
    expectErr(await repo.delete(created.id), 'SQL');
    expect(expectOk(await plain.findById(created.id))).toEqual(created);
  });

  it('stamps audit records with the context the unit of work runs in', async () => {
    const repo = createRepository(db().sql, tasks);
    await runInContext({ actor: 'ada', correlationId: 'req-9' }, () =>
      db().sql.transaction(async (tx) => repo.create(task(), { tx })),
    );
    expect(expectOk(await repo.audit())[0]).toMatchObject({ actor: 'ada', correlationId: 'req-9' });
  });
});
