import { err } from '@keel/core';
import { expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createEvents, type StoredEvent } from '../src/index.js';
import { describeEachDatabase, eventually } from './support/harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// On PostgreSQL a sequence hands out positions at insert, but transactions commit in any order:
// a reader that saw position 8 committed and checkpointed it would skip a position 7 whose
// transaction commits later. The store makes publishers take turns (an advisory lock from
// their publish to their commit), so a later publisher cannot commit first. Here the second
// transaction tries to, while a subscriber in another connection polls every 10 ms.
describeEachDatabase('positions in commit order', (h) => {
  it('never skips an event whose transaction commits after a later publisher tried to commit first', async () => {
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
      let secondDone = false;
      const second = h.sql
        .transaction((tx) => publisher.publish(tx, { type: 'Late', aggregateId: `late-${round}`, data: { round } }))
        .map((events) => {
          secondDone = true;
          return events;
        });
      // Give the second transaction every chance to commit first, and the subscriber to poll past it.
      await sleep(150);
      if (h.db.name === 'PostgreSQL') expect(secondDone).toBe(false);
      expectOk(await first.commit());
      const [late] = expectOk(await second);
      await eventually(`round ${round}: both events handled`, () => handled.length === 2 * (round + 1));
      expect(handled.slice(-2).map((e) => e.id)).toEqual([early?.id, late?.id]);
      expect((late?.position as number) > (early?.position as number)).toBe(true);
    }
    await consumer.close();
    await reader.close();
  });

  it('a rolled-back publisher does not hold the others back', async () => {
    const events = await h.store();
    const undone = await h.sql.transaction<never, unknown>(async (tx) => {
      const published = await events.publish(tx, { type: 'Undone', aggregateId: 'u', data: {} });
      if (published.isErr()) return err(published.error);
      return err('roll back');
    });
    expect(undone.isErr()).toBe(true);
    expectOk(await h.sql.transaction((tx) => events.publish(tx, { type: 'Kept', aggregateId: 'k', data: {} })));
    expect(expectOk(await events.replay()).events.map((e) => e.type)).toEqual(['Kept']);
  });
});
