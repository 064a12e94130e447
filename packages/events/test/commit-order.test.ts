import { err } from '@keel/core';
import { expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createEvents, type StoredEvent } from '../src/index.js';
import { describeEachDatabase, eventually } from './support/harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// On PostgreSQL positions come from an identity column, but transactions commit in any order: a
// subscriber that handled position 8 and checkpointed it would skip a position 7 committed
// later. Here the later publisher commits first while a subscriber in another connection polls
// every 10 ms; it must hold the later event back until the earlier one is committed, then
// deliver both in position order. (SQLite runs one write transaction at a time: the second
// simply waits for the first.)
describeEachDatabase('positions in commit order', (h) => {
  it('never skips an event whose transaction commits after a later one', async () => {
    const table = h.freshTable();
    const publisher = await h.store({ table });
    const reader = h.db.open(h.target);
    const consumer = createEvents(reader, { table });
    const handled: StoredEvent[] = [];
    const sub = consumer.subscribe('*', (e) => void handled.push(e), {
      group: 'order',
      partitions: 1,
      pollIntervalMs: 10,
      leaseMs: 1000,
    });
    expectOk(await sub.ready());

    for (let round = 0; round < 3; round++) {
      const first = expectOk(await h.sql.begin());
      const [early] = expectOk(
        await publisher.publish(first, { type: 'Early', aggregateId: `early-${round}`, data: { round } }),
      );
      const second = h.sql.transaction((tx) =>
        publisher.publish(tx, { type: 'Late', aggregateId: `late-${round}`, data: { round } }),
      );
      if (h.db.name === 'PostgreSQL') {
        const [late] = expectOk(await second); // committed while the first is still open
        expect(late?.position).toBeGreaterThan(early?.position as number);
        await sleep(150);
        expect(handled.map((e) => e.type)).toEqual(
          Array.from({ length: 2 * round }, (_, i) => (i % 2 ? 'Late' : 'Early')),
        );
      }
      expectOk(await first.commit());
      const [late] = expectOk(await second);
      await eventually(`round ${round}: both events handled`, () => handled.length === 2 * (round + 1));
      expect(handled.slice(-2).map((e) => e.id)).toEqual([early?.id, late?.id]);
    }
    await consumer.close();
    await reader.close();
  });

  it('a rolled-back publisher does not hold the others back', async () => {
    const events = await h.store();
    const handled: string[] = [];
    const sub = events.subscribe('*', (e) => void handled.push(e.type), { group: 'rb', pollIntervalMs: 10 });
    expectOk(await sub.ready());
    const undone = await h.sql.transaction<never, unknown>(async (tx) => {
      const published = await events.publish(tx, { type: 'Undone', aggregateId: 'u', data: {} });
      if (published.isErr()) return err(published.error);
      return err('roll back');
    });
    expect(undone.isErr()).toBe(true);
    expectOk(await h.sql.transaction((tx) => events.publish(tx, { type: 'Kept', aggregateId: 'k', data: {} })));
    expect(expectOk(await events.replay()).events.map((e) => e.type)).toEqual(['Kept']);
    await eventually('the kept event', () => handled.length === 1);
    expect(handled).toEqual(['Kept']);
  });

  it.runIf(h.db.name === 'PostgreSQL')(
    'waits only for publishing transactions: not for other writers, and not past a publisher that rolls back',
    async () => {
      const events = await h.store();
      expectOk(await h.sql.executeScript('CREATE TABLE IF NOT EXISTS unrelated (n INTEGER)'));
      const handled: string[] = [];
      const sub = events.subscribe('*', (e) => void handled.push(e.type), { group: 'slow', pollIntervalMs: 10 });
      expectOk(await sub.ready());
      const writer = expectOk(await h.sql.begin());
      expectOk(await writer.execute('INSERT INTO unrelated (n) VALUES (1)'));
      expectOk(await h.sql.transaction((tx) => events.publish(tx, { type: 'Free', aggregateId: 'f', data: {} })));
      await eventually('the event, while another writer is open', () => handled.length === 1);

      const publisher = expectOk(await h.sql.begin());
      expectOk(await events.publish(publisher, { type: 'Undone', aggregateId: 'u', data: {} }));
      expectOk(await h.sql.transaction((tx) => events.publish(tx, { type: 'Held', aggregateId: 'x', data: {} })));
      await sleep(150);
      expect(handled).toEqual(['Free']); // the open publisher might still commit a lower position
      expectOk(await publisher.rollback());
      await eventually('the held event', () => handled.length === 2);
      expect(handled).toEqual(['Free', 'Held']);
      expectOk(await writer.rollback());
    },
  );
});
