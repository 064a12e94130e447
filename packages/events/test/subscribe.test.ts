import { currentContext, err, errAsync, ok, runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import type { Events, StoredEvent } from '../src/index.js';
import { describeEachDatabase, type EventsHarness, eventually } from './support/harness.js';

/** Publishes `n` events over `aggregates` aggregates, several per transaction. */
async function publishMany(h: EventsHarness, events: Events, n: number, aggregates = 5, type = 'Ticked') {
  const out: StoredEvent[] = [];
  for (let i = 0; i < n; i += 4) {
    const batch = Array.from({ length: Math.min(4, n - i) }, (_, k) => ({
      type,
      aggregateId: `agg-${(i + k) % aggregates}`,
      data: { i: i + k },
    }));
    out.push(...expectOk(await h.sql.transaction((tx) => events.publish(tx, batch))));
  }
  return out;
}

/** Per aggregate, the stream versions in the order handled. */
function byAggregate(handled: readonly StoredEvent[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const e of handled) map.set(e.aggregateId, [...(map.get(e.aggregateId) ?? []), e.streamVersion]);
  return map;
}

const quick = { leaseMs: 600, pollIntervalMs: 50 } as const;

describeEachDatabase('subscriptions', (h) => {
  it('delivers every event to every group, each aggregate in stream order', async () => {
    const events = await h.store();
    const a: StoredEvent[] = [];
    const b: StoredEvent[] = [];
    const subA = events.subscribe('*', (e) => void a.push(e), { group: 'a', partitions: 4, ...quick });
    const subB = events.subscribe('*', (e) => void b.push(e), { group: 'b', partitions: 3, ...quick });
    expectOk(await subA.ready());
    expectOk(await subB.ready());
    expect(subA.partitions()).toEqual([0, 1, 2, 3]);
    const published = await publishMany(h, events, 40);
    await eventually('both groups to get all 40', () => a.length >= 40 && b.length >= 40);
    for (const handled of [a, b]) {
      expect(handled.map((e) => e.id).sort()).toEqual(published.map((e) => e.id).sort());
      for (const [, versions] of byAggregate(handled)) expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    const max = published.at(-1)?.position as number;
    await eventually('a checkpoint to reach the last event', async () =>
      expectOk(await events.checkpoints('a')).some((c) => c.position === max),
    );
  });

  it('delivers only the matching types, and the checkpoint still moves past the rest', async () => {
    const events = await h.store();
    const tasks: string[] = [];
    const sub = events.subscribe(['Task*', 'ProjectArchived'], (e) => void tasks.push(e.type), {
      group: 'tasks',
      partitions: 1,
      ...quick,
    });
    expectOk(await sub.ready());
    for (const type of ['TaskCreated', 'ProjectCreated', 'TaskDone', 'Tasks', 'ProjectArchived', 'Other']) {
      expectOk(await h.sql.transaction((tx) => events.publish(tx, { type, aggregateId: 'p1', data: {} })));
    }
    await eventually('the matching events', () => tasks.length === 4);
    await eventually('the checkpoint past the last (not matching) event', async () => {
      const [partition] = expectOk(await events.checkpoints('tasks'));
      return partition?.position === 6;
    });
    expect(tasks).toEqual(['TaskCreated', 'TaskDone', 'Tasks', 'ProjectArchived']);
  });

  it('runs the handler in the context the event was published in', async () => {
    const events = await h.store();
    const seen: unknown[] = [];
    // The subscriber's own context must not leak into handlers.
    const sub = runInContext({ actor: 'system:worker', tenantId: 'other' }, () =>
      events.subscribe('*', () => void seen.push({ ...currentContext() }), { group: 'ctx', ...quick }),
    );
    expectOk(await sub.ready());
    await runInContext({ actor: 'user:1', correlationId: 'req-9', tenantId: 'acme' }, () =>
      h.sql.transaction((tx) => events.publish(tx, { type: 'A', aggregateId: 'x', data: {} })),
    );
    await runInContext({ correlationId: 'req-10' }, () =>
      h.sql.transaction((tx) => events.publish(tx, { type: 'A', aggregateId: 'x', data: {} })),
    );
    await eventually('both events', () => seen.length === 2);
    expect(seen).toEqual([{ actor: 'user:1', correlationId: 'req-9', tenantId: 'acme' }, { correlationId: 'req-10' }]);
  });

  it('retries a failing event with backoff while later events of its partition wait', async () => {
    const events = await h.store();
    const log: string[] = [];
    const failures: string[] = [];
    const sub = events.subscribe(
      '*',
      (e, { attempt }) => {
        log.push(`${(e.data as { n: number }).n}#${attempt}`);
        if ((e.data as { n: number }).n === 1 && attempt < 3) throw new Error(`flaky ${attempt}`);
      },
      {
        group: 'retry',
        partitions: 1,
        retry: { initialDelayMs: 20, maxDelayMs: 40 },
        onError: (error) => failures.push(error.message),
        ...quick,
      },
    );
    expectOk(await sub.ready());
    expectOk(
      await h.sql.transaction((tx) =>
        events.publish(
          tx,
          [0, 1, 2].map((n) => ({ type: 'N', aggregateId: 'same', data: { n } })),
        ),
      ),
    );
    await eventually('all three handled', () => log.includes('2#1'));
    expect(log).toEqual(['0#1', '1#1', '1#2', '1#3', '2#1']);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/group 'retry' failed on event 2 \(N of 'same'\), try 1 of 10: Error: flaky 1/);
    await eventually('the checkpoint past the retried event', async () => {
      const [partition] = expectOk(await events.checkpoints('retry'));
      return partition?.position === 3;
    });
    const [partition] = expectOk(await events.checkpoints('retry'));
    expect(partition).toMatchObject({ position: 3, attempts: 0, failingPosition: undefined, retryAt: undefined });
  });

  it('dead-letters an event after maxAttempts, moves on, and delivers it again when requeued', async () => {
    const events = await h.store();
    let broken = true;
    const handled: number[] = [];
    const sub = events.subscribe(
      '*',
      (e) => {
        const n = (e.data as { n: number }).n;
        // An Err is a failure like a throw.
        if (n === 1 && broken) return errAsync(new Error('cannot handle 1'));
        handled.push(n);
        return ok(undefined);
      },
      // Beats only at the start (a minute apart): the requeue below is heard in-process at once.
      { group: 'dlq', partitions: 2, maxAttempts: 3, retry: { initialDelayMs: 1, maxDelayMs: 5 }, leaseMs: 180_000 },
    );
    expectOk(await sub.ready());
    const published = expectOk(
      await h.sql.transaction((tx) =>
        events.publish(
          tx,
          [0, 1, 2].map((n) => ({ type: 'N', aggregateId: 'same', data: { n } })),
        ),
      ),
    );
    await eventually('0 and 2 handled', () => handled.includes(2));
    expect(handled).toEqual([0, 2]);
    const [letter, ...none] = expectOk(await events.deadLetters('dlq'));
    expect(none).toEqual([]);
    expect(letter).toMatchObject({ group: 'dlq', attempts: 3, status: 'dead', error: 'Error: cannot handle 1' });
    expect(letter?.event).toEqual(published[1]);

    broken = false;
    expect(expectOk(await events.requeue('dlq', published[1]?.position))).toBe(1);
    await eventually('the requeued event', () => handled.includes(1));
    expect(handled).toEqual([0, 2, 1]);
    await eventually('the dead letter to go', async () => expectOk(await events.deadLetters('dlq')).length === 0);
    expect(expectOk(await events.requeue('dlq'))).toBe(0);
    expect(expectOk(await events.discard('dlq', 12345))).toBe(false);
  });

  it('a transactional handler writes through the checkpoint’s transaction: exactly once, failures rolled back', async () => {
    const events = await h.store();
    expectOk(await h.sql.executeScript('CREATE TABLE IF NOT EXISTS projection_t (event_id VARCHAR(36) PRIMARY KEY)'));
    let failOnce = true;
    const sub = events.subscribe(
      '*',
      async (e, { tx }) => {
        const written = await tx?.execute('INSERT INTO projection_t (event_id) VALUES (?)', [e.id]);
        if (written?.isErr()) return err(written.error);
        if (failOnce) {
          failOnce = false;
          return err(new Error('after the write'));
        }
        return ok(undefined);
      },
      { group: 'projection', transactional: true, retry: { initialDelayMs: 1, maxDelayMs: 2 }, ...quick },
    );
    expectOk(await sub.ready());
    const published = await publishMany(h, events, 12, 3);
    const count = async () => Number(expectOk(await h.sql.query('SELECT COUNT(*) FROM projection_t')).rows[0]?.[0]);
    await eventually('the projection to hold every event', async () => (await count()) === published.length);
    const rows = expectOk(await h.sql.query('SELECT event_id FROM projection_t')).rows.map(([id]) => id);
    expect(rows.sort()).toEqual(published.map((e) => e.id).sort());
  });

  it('wakes a subscriber at once when a publish in this process commits (polling would take a minute)', async () => {
    const events = await h.store();
    const handled: StoredEvent[] = [];
    const sub = events.subscribe('*', (e) => void handled.push(e), { group: 'wake', pollIntervalMs: 60_000 });
    expectOk(await sub.ready());
    for (let i = 0; i < 3; i++) {
      expectOk(await h.sql.transaction((tx) => events.publish(tx, { type: 'W', aggregateId: `w${i}`, data: i })));
      await eventually(`event ${i}`, () => handled.length === i + 1, 10_000);
    }
  });

  it('hears publishes of another store on the same tables (another process) by polling', async () => {
    const table = h.freshTable();
    // Notifications off: this is the safety net that works without them.
    const publisher = await h.store({ table, notifications: false });
    const consumer = await h.store({ table, notifications: false });
    const handled: StoredEvent[] = [];
    const sub = consumer.subscribe('*', (e) => void handled.push(e), { group: 'poll', ...quick });
    expectOk(await sub.ready());
    const published = await publishMany(h, publisher, 6);
    await eventually('the other store’s events', () => handled.length === 6);
    expect(handled.map((e) => e.id).sort()).toEqual(published.map((e) => e.id).sort());
  });

  it('shares a group’s partitions between consumers, and the survivor takes over when one stops', async () => {
    const events = await h.store();
    const got = { one: [] as StoredEvent[], two: [] as StoredEvent[] };
    const options = { group: 'shared', partitions: 6, ...quick };
    const one = events.subscribe('*', (e) => void got.one.push(e), { ...options, consumerId: 'one' });
    expectOk(await one.ready());
    const two = events.subscribe('*', (e) => void got.two.push(e), { ...options, consumerId: 'two' });
    expectOk(await two.ready());
    await eventually('an even split', () => one.partitions().length === 3 && two.partitions().length === 3);
    expect([...one.partitions(), ...two.partitions()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const first = await publishMany(h, events, 30, 10);
    await eventually('all 30', () => got.one.length + got.two.length >= 30);
    expect(got.one.length).toBeGreaterThan(0);
    expect(got.two.length).toBeGreaterThan(0);
    expect([...got.one, ...got.two].map((e) => e.id).sort()).toEqual(first.map((e) => e.id).sort());

    await two.stop();
    expect(expectOk(await events.checkpoints('shared')).filter((c) => c.owner === 'two')).toEqual([]);
    await eventually('one to hold every partition', () => one.partitions().length === 6);
    const second = await publishMany(h, events, 10, 10);
    await eventually('the next 10', () => got.one.length + got.two.length >= 40);
    expect(
      got.one
        .slice(-10)
        .map((e) => e.id)
        .sort(),
    ).toEqual(second.map((e) => e.id).sort());
  });

  it('rewinds a group to deliver again, starts new groups at the end when asked, and refuses another partition count', async () => {
    const events = await h.store();
    const first = await publishMany(h, events, 8, 2);
    const replayed: number[] = [];
    const sub = events.subscribe('*', (e) => void replayed.push(e.position), { group: 'r', partitions: 2, ...quick });
    expectOk(await sub.ready());
    await eventually('the first pass', () => replayed.length === 8);
    expectOk(await events.rewind('r', first[5]?.position as number));
    await eventually('the rewound events again', () => replayed.length === 11);
    expect(replayed.slice(8).sort((x, y) => x - y)).toEqual(first.slice(5).map((e) => e.position));
    expectErr(await events.rewind('nobody', 1), 'NOT_FOUND');

    const late: number[] = [];
    const fromEnd = events.subscribe('*', (e) => void late.push(e.position), {
      group: 'late',
      startFrom: 'end',
      ...quick,
    });
    expectOk(await fromEnd.ready());
    const [next] = await publishMany(h, events, 1);
    await eventually('the new event', () => late.length === 1);
    expect(late).toEqual([next?.position]);

    const mismatch = events.subscribe('*', () => {}, { group: 'r', partitions: 3, ...quick });
    const refused = expectErr(await mismatch.ready(), 'GROUP_MISMATCH');
    expect(refused.message).toContain("group 'r' has 2 partitions, not 3");
    await mismatch.stop();
    expect(expectOk(await events.checkpoints('r')).map((c) => c.partition)).toEqual([0, 1]);
  });
});
