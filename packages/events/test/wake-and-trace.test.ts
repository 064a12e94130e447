import { createJsonLogger } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, expect, it } from 'vitest';
import { createEvents, type StoredEvent } from '../src/index.js';
import { describeEachDatabase, eventually } from './support/harness.js';
import { testTracing } from '@keel/testing/tracing';

const tracing = testTracing();
afterAll(() => tracing.shutdown());

describeEachDatabase('wake-ups and traces', (h) => {
  it('wakes a subscriber in another process through sql.notifications (its poll is a minute away)', async (ctx) => {
    if (!h.sql.capabilities.notifications) ctx.skip(`${h.db.name} has no notifications capability`);
    const table = h.freshTable();
    // Another connection pool on the same database: what another process has.
    const otherSql = h.db.open(h.target);
    const publisher = createEvents(h.sql, { table });
    const consumer = createEvents(otherSql, { table });
    try {
      expectOk(await publisher.migrate());
      const handled: StoredEvent[] = [];
      const sub = consumer.subscribe('*', (e) => void handled.push(e), { group: 'far', pollIntervalMs: 60_000 });
      expectOk(await sub.ready());
      for (let i = 0; i < 3; i++) {
        expectOk(await h.sql.transaction((tx) => publisher.publish(tx, { type: 'N', aggregateId: `n${i}`, data: i })));
        await eventually(`event ${i} in the other process`, () => handled.length === i + 1, 10_000);
      }
    } finally {
      await consumer.close();
      await publisher.close();
      await otherSql.close();
    }
  });

  it('traces publish → delivery in one trace, and logs a handler failure and its dead letter', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger({ destination: { write: (line) => lines.push(JSON.parse(line)) } });
    const events = await h.store({ observability: tracing.observability, logger });
    const sub = events.subscribe(
      '*',
      (e) => {
        if (e.type === 'Bad') throw new Error('no');
      },
      { group: 'traced', pollIntervalMs: 50, maxAttempts: 1 },
    );
    expectOk(await sub.ready());
    const request = tracing.observability.span('request');
    if (request === undefined) throw new Error('the test SDK records no spans');
    await request.within(() =>
      h.sql.transaction((tx) =>
        events.publish(tx, [
          { type: 'Good', aggregateId: 'g1', data: 1 },
          { type: 'Bad', aggregateId: 'b1', data: 2 },
        ]),
      ),
    );
    request.end();
    const spans = () => tracing.finished().filter((s) => s.spanContext().traceId === request.traceId);
    await eventually('both deliveries traced', () => spans().filter((s) => s.name === 'events deliver').length === 2);
    const publish = spans().find((s) => s.name === 'events publish');
    expect(publish?.parentSpanContext?.spanId).toBe(request.spanId);
    const deliveries = spans().filter((s) => s.name === 'events deliver');
    for (const d of deliveries) expect(d.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    const good = deliveries.find((d) => d.attributes['keel.event.type'] === 'Good');
    const bad = deliveries.find((d) => d.attributes['keel.event.type'] === 'Bad');
    expect(good?.attributes).toMatchObject({ 'keel.event.group': 'traced', 'keel.event.stream': 'g1' });
    expect(good?.attributes['keel.event.outcome']).toBe('delivered');
    expect(bad?.attributes).toMatchObject({ 'keel.event.outcome': 'dead', 'keel.attempt': 1 });
    await eventually('the dead letter logged', () => lines.some((l) => l.msg === 'events: event dead-lettered'));
    const warned = lines.find((l) => l.msg === 'events: handler failed, dead-lettering');
    expect(warned).toMatchObject({ level: 40, group: 'traced', type: 'Bad', stream: 'b1', attempt: 1 });
  });
});
