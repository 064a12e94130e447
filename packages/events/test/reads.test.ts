import type { Events, StoredEvent } from '../src/index.js';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { describeEachDatabase, type EventsHarness } from './support/harness.js';

/** 25 events: 3 aggregates, types TaskCreated/TaskDone/ProjectCreated, one transaction each. */
async function seed(h: EventsHarness, events: Events): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let i = 0; i < 25; i++) {
    const type = i % 5 === 0 ? 'ProjectCreated' : i % 2 === 0 ? 'TaskCreated' : 'TaskDone';
    const stored = expectOk(
      await h.sql.transaction((tx) => events.publish(tx, { type, aggregateId: `agg-${i % 3}`, data: { i } })),
    );
    all.push(...stored);
  }
  return all;
}

async function allPages(read: (cursor?: string) => ReturnType<Events['replay']>): Promise<StoredEvent[][]> {
  const pages: StoredEvent[][] = [];
  let cursor: string | undefined;
  do {
    const page = expectOk(await read(cursor));
    pages.push([...page.events]);
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

describeEachDatabase('reads', (h) => {
  it('history pages through one aggregate in stream order', async () => {
    const events = await h.store();
    const all = await seed(h, events);
    const mine = all.filter((e) => e.aggregateId === 'agg-1');
    const pages = await allPages((cursor) => events.history('agg-1', { limit: 3, ...(cursor ? { cursor } : {}) }));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual(mine);
    expect(pages.flat().map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const tail = expectOk(await events.history('agg-1', { fromVersion: 7 })).events;
    expect(tail.map((e) => e.streamVersion)).toEqual([7, 8]);
    expect(expectOk(await events.history('nobody')).events).toEqual([]);
  });

  it('byType takes an exact type or a prefix pattern, in store order', async () => {
    const events = await h.store();
    const all = await seed(h, events);
    const done = await allPages((cursor) => events.byType('TaskDone', { limit: 4, ...(cursor ? { cursor } : {}) }));
    expect(done.flat()).toEqual(all.filter((e) => e.type === 'TaskDone'));
    const tasks = await allPages((cursor) => events.byType('Task*', { limit: 7, ...(cursor ? { cursor } : {}) }));
    expect(tasks.flat()).toEqual(all.filter((e) => e.type.startsWith('Task')));
    // Case-sensitive on both databases (SQLite's LIKE would not be).
    expect(expectOk(await events.byType('task*')).events).toEqual([]);
  });

  it('replay starts at a position or a time, optionally for some types, and iterate walks every page', async () => {
    const events = await h.store();
    const all = await seed(h, events);
    const from = all[10] as StoredEvent;
    const fromPosition = await allPages((cursor) =>
      events.replay({ from: from.position, limit: 4, ...(cursor ? { cursor } : {}) }),
    );
    expect(fromPosition.flat()).toEqual(all.slice(10));
    expect(expectOk(await events.replay({ from: new Date(Date.now() + 60_000) })).events).toEqual([]);
    const byTime = expectOk(await events.replay({ from: new Date(Date.parse(all[0]?.occurredAt as string)) }));
    expect(byTime.events).toEqual(all.slice(0, 100));
    expect(expectOk(await events.replay({ from: all[0]?.occurredAt as string })).events).toEqual(all);
    const projects = expectOk(await events.replay({ from: 1, types: ['ProjectCreated'] })).events;
    expect(projects).toEqual(all.filter((e) => e.type === 'ProjectCreated'));

    const walked: StoredEvent[] = [];
    for await (const e of events.iterate({ replay: true, limit: 6 })) walked.push(e);
    expect(walked).toEqual(all);
    const history: StoredEvent[] = [];
    for await (const e of events.iterate({ aggregateId: 'agg-2', limit: 2 })) history.push(e);
    expect(history).toEqual(all.filter((e) => e.aggregateId === 'agg-2'));
    const typed: StoredEvent[] = [];
    for await (const e of events.iterate({ type: 'Task*', limit: 5 })) typed.push(e);
    expect(typed).toHaveLength(all.filter((e) => e.type.startsWith('Task')).length);
  });

  it('refuses a cursor it did not hand out, or one of another read, with INVALID_CURSOR', async () => {
    const events = await h.store();
    await seed(h, events);
    const { cursor } = expectOk(await events.replay({ limit: 2 }));
    expect(cursor).toBeDefined();
    expectErr(await events.history('agg-0', { cursor: cursor as string }), 'INVALID_CURSOR');
    expectErr(await events.replay({ cursor: 'not-a-cursor' }), 'INVALID_CURSOR');
    expectErr(await events.byType('TaskDone', { cursor: '' }), 'INVALID_CURSOR');
    expect(() => events.replay({ from: 'yesterday' })).toThrow(/from must be a position, a Date or an ISO 8601 time/);
    expect(() => events.byType('Task?')).toThrow(/type pattern "Task\?"/);
  });
});
