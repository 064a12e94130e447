import { expectErr, expectOk } from '@keel/testing';
import * as v from 'valibot';
import { expect, it } from 'vitest';
import { createEvents } from '../src/index.js';
import { describeEachDatabase } from './support/harness.js';

const taskCreatedV1 = { schema: v.object({ title: v.string() }) };
const taskCreatedV2 = {
  version: 2,
  schema: v.object({ title: v.pipe(v.string(), v.minLength(1)), priority: v.number() }),
  upcasters: { 1: (data: { title: string }) => ({ ...data, priority: 0 }) },
};

describeEachDatabase('event types and schema versions', (h) => {
  it('refuses invalid data with VALIDATION naming the field, and writes nothing', async () => {
    const events = await h.store({ types: { TaskCreated: taskCreatedV2 } });
    const one = expectErr(
      await h.sql.transaction((tx) =>
        events.publish(tx, { type: 'TaskCreated', aggregateId: 't1', data: { title: '', priority: 1 } }),
      ),
      'VALIDATION',
    );
    expect(one).toMatchObject({ field: 'event.data.title' });
    expect(one.message).toMatch(/^event\.data\.title: .*\(TaskCreated version 2\)$/);
    const many = expectErr(
      await h.sql.transaction((tx) =>
        events.publish(tx, [
          { type: 'TaskCreated', aggregateId: 't1', data: { title: 'ok', priority: 1 } },
          { type: 'TaskCreated', aggregateId: 't1', data: { title: 'x', priority: 'high' } },
        ]),
      ),
      'VALIDATION',
    );
    expect(many).toMatchObject({ field: 'events[1].data.priority' });
    expect(expectOk(await events.replay()).events).toEqual([]);
  });

  it('checks the envelope: type, aggregate id, version and JSON data', async () => {
    const events = await h.store();
    const publish = (event: unknown) =>
      h.sql.transaction((tx) => events.publish(tx, event as Parameters<typeof events.publish>[1]));
    expect(expectErr(await publish({ type: 'Bad type!', aggregateId: 'a', data: 1 }), 'VALIDATION')).toMatchObject({
      field: 'event.type',
    });
    expect(expectErr(await publish({ type: 'Ok', aggregateId: '', data: 1 }), 'VALIDATION')).toMatchObject({
      field: 'event.aggregateId',
    });
    expect(expectErr(await publish({ type: 'Ok', aggregateId: 'a', data: 1, version: 0 }), 'VALIDATION')).toMatchObject(
      { field: 'event.version' },
    );
    expect(expectErr(await publish({ type: 'Ok', aggregateId: 'a', data: 10n }), 'VALIDATION')).toMatchObject({
      field: 'event.data',
    });
    expect(expectErr(await publish({ type: 'Ok', aggregateId: 'a' }), 'VALIDATION').message).toContain(
      'event.data is required',
    );
  });

  it('is strict about types when they are registered, unless told otherwise', async () => {
    const strict = await h.store({ types: { TaskCreated: taskCreatedV1 } });
    const unknown = expectErr(
      await h.sql.transaction((tx) => strict.publish(tx, { type: 'TaskDeleted', aggregateId: 't1', data: {} })),
      'UNKNOWN_TYPE',
    );
    expect(unknown.message).toContain("'TaskDeleted' is not a registered event type (known: TaskCreated)");
    const lax = await h.store({ types: { TaskCreated: taskCreatedV1 }, strict: false });
    expectOk(await h.sql.transaction((tx) => lax.publish(tx, { type: 'TaskDeleted', aggregateId: 't1', data: {} })));
    const untyped = await h.store();
    expectOk(await h.sql.transaction((tx) => untyped.publish(tx, { type: 'Anything', aggregateId: 't1', data: {} })));
  });

  it('stores what the schema outputs', async () => {
    const trimmed = { schema: v.object({ title: v.pipe(v.string(), v.trim()) }) };
    const events = await h.store({ types: { Named: trimmed } });
    expectOk(
      await h.sql.transaction((tx) => events.publish(tx, { type: 'Named', aggregateId: 'a', data: { title: '  x ' } })),
    );
    expect(expectOk(await events.history('a')).events[0]?.data).toEqual({ title: 'x' });
  });

  it('upcasts events of older versions on read, and upcasts old-version input before checking it', async () => {
    const table = h.freshTable();
    const v1 = await h.store({ table, types: { TaskCreated: taskCreatedV1 } });
    expectOk(
      await h.sql.transaction((tx) =>
        v1.publish(tx, { type: 'TaskCreated', aggregateId: 't1', data: { title: 'old' } }),
      ),
    );

    // The app's next release: the same table, TaskCreated at version 2.
    const v2 = createEvents(h.sql, { table, types: { TaskCreated: taskCreatedV2 } });
    expectOk(await v2.migrate());
    expectOk(
      await h.sql.transaction((tx) =>
        v2.publish(tx, [
          { type: 'TaskCreated', aggregateId: 't1', data: { title: 'new', priority: 3 } },
          { type: 'TaskCreated', aggregateId: 't1', data: { title: 'sent as v1' }, version: 1 },
        ]),
      ),
    );
    const read = expectOk(await v2.history('t1')).events;
    expect(read.map((e) => [e.data, e.schemaVersion])).toEqual([
      [{ title: 'old', priority: 0 }, 2],
      [{ title: 'new', priority: 3 }, 2],
      [{ title: 'sent as v1', priority: 0 }, 2],
    ]);
    const future = expectErr(
      await h.sql.transaction((tx) => v2.publish(tx, { type: 'TaskCreated', aggregateId: 't1', data: {}, version: 3 })),
      'VALIDATION',
    );
    expect(future.message).toContain("newer than TaskCreated's current version 2");

    // A version 3 without an upcaster from 2: reads fail with UPCAST_FAILED naming the gap.
    const broken = createEvents(h.sql, {
      table,
      types: { TaskCreated: { ...taskCreatedV2, version: 3, schema: v.any() } },
    });
    const failed = expectErr(await broken.history('t1'), 'UPCAST_FAILED');
    expect(failed.message).toContain('TaskCreated: no upcaster from version 2 to 3');
    await Promise.all([v2.close(), broken.close()]);
  });

  it('throws at creation for a type definition that cannot work', () => {
    expect(() => createEvents(h.sql, { types: { T: { schema: {} as never } } })).toThrow(/must be a Standard Schema/);
    expect(() => createEvents(h.sql, { types: { T: { ...taskCreatedV1, version: 0 } } })).toThrow(
      /types\.T\.version must be an integer ≥ 1/,
    );
    expect(() =>
      createEvents(h.sql, { types: { T: { ...taskCreatedV1, version: 2, upcasters: { 2: (d: unknown) => d } } } }),
    ).toThrow(/upcasters\.2 must be a function from a version 1–1/);
    expect(() => createEvents(h.sql, { tabel: 'x' } as never)).toThrow(/did you mean 'table'/);
  });
});
