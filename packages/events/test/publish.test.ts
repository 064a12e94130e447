import { err, ok, type Result, runInContext } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import type { StoredEvent } from '../src/index.js';
import { describeEachDatabase } from './support/harness.js';

describeEachDatabase('publish and append', (h) => {
  it('appends in the caller’s transaction: the events exist exactly when it commits', async () => {
    const events = await h.store();
    expectOk(await h.sql.executeScript('CREATE TABLE orders_p (id INTEGER PRIMARY KEY)'));
    const stored = expectOk(
      await h.sql.transaction(async (tx): Promise<Result<StoredEvent[], Error>> => {
        const inserted = await tx.execute('INSERT INTO orders_p (id) VALUES (1)');
        if (inserted.isErr()) return err(inserted.error);
        return events.publish(tx, [
          { type: 'OrderPlaced', aggregateId: 'order-1', data: { total: 42 } },
          { type: 'OrderPaid', aggregateId: 'order-1', data: { by: 'card' } },
        ]);
      }),
    );
    expect(stored.map((e) => [e.type, e.streamVersion, e.schemaVersion])).toEqual([
      ['OrderPlaced', 1, 1],
      ['OrderPaid', 2, 1],
    ]);
    expect(stored[1]?.position).toBeGreaterThan(stored[0]?.position as number);

    // Rolled back: neither the row nor the event.
    const declined = await h.sql.transaction(async (tx) => {
      await tx.execute('INSERT INTO orders_p (id) VALUES (2)');
      const published = await events.publish(tx, { type: 'OrderPlaced', aggregateId: 'order-2', data: {} });
      if (published.isErr()) return err(published.error);
      return err(new Error('payment declined'));
    });
    expect(declined.isErr()).toBe(true);
    expect(expectOk(await events.history('order-2')).events).toEqual([]);
    const history = expectOk(await events.history('order-1')).events;
    expect(history).toEqual(stored);
  });

  it('refuses a plain Sql with NOT_IN_TRANSACTION and writes nothing', async () => {
    const events = await h.store();
    const refused = expectErr(
      // @ts-expect-error a plain Sql is not a transaction
      await events.publish(h.sql, { type: 'OrderPlaced', aggregateId: 'order-1', data: {} }),
      'NOT_IN_TRANSACTION',
    );
    expect(refused.message).toContain('sql.transaction(async (tx) => events.publish(tx, …))');
    // @ts-expect-error a plain Sql is not a transaction
    expectErr(await events.append(h.sql, 'order-1', [{ type: 'X', data: 1 }]), 'NOT_IN_TRANSACTION');
    expect(expectOk(await events.replay()).events).toEqual([]);
  });

  it('numbers each aggregate’s stream 1, 2, … across transactions and keeps streams apart', async () => {
    const events = await h.store();
    for (const [aggregateId, n] of [
      ['a', 1],
      ['b', 1],
      ['a', 2],
    ] as const) {
      const [e] = expectOk(
        await h.sql.transaction((tx) => events.publish(tx, { type: 'Step', aggregateId, data: { n } })),
      );
      expect(e?.streamVersion).toBe(n);
    }
    const mixed = expectOk(
      await h.sql.transaction((tx) =>
        events.publish(tx, [
          { type: 'Step', aggregateId: 'b', data: {} },
          { type: 'Step', aggregateId: 'a', data: {} },
          { type: 'Step', aggregateId: 'b', data: {} },
        ]),
      ),
    );
    expect(mixed.map((e) => `${e.aggregateId}${e.streamVersion}`)).toEqual(['b2', 'a3', 'b3']);
  });

  it('append checks expectedVersion: a stale one is CONFLICT with the current version, and nothing is written', async () => {
    const events = await h.store();
    const first = expectOk(
      await h.sql.transaction((tx) =>
        events.append(tx, 'cart-1', [{ type: 'ItemAdded', data: { sku: 'a' } }], { expectedVersion: 0 }),
      ),
    );
    expect(first.map((e) => e.streamVersion)).toEqual([1]);
    expectOk(
      await h.sql.transaction((tx) =>
        events.append(tx, 'cart-1', [{ type: 'ItemAdded', data: { sku: 'b' } }], { expectedVersion: 1 }),
      ),
    );
    const stale = expectErr(
      await h.sql.transaction((tx) =>
        events.append(tx, 'cart-1', [{ type: 'ItemAdded', data: { sku: 'c' } }], { expectedVersion: 1 }),
      ),
      'CONFLICT',
    );
    expect(stale).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(stale.message).toContain("stream 'cart-1' is at version 2");
    const noStream = expectErr(
      await h.sql.transaction((tx) => events.append(tx, 'cart-1', [{ type: 'X', data: 0 }], { expectedVersion: 0 })),
      'CONFLICT',
    );
    expect(noStream).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    expect(expectOk(await events.history('cart-1')).events.map((e) => (e.data as { sku: string }).sku)).toEqual([
      'a',
      'b',
    ]);
  });

  it('lets exactly one of two racing appends at the same expectedVersion win', async () => {
    const events = await h.store();
    const race = () =>
      h.sql.transaction(async (tx) => {
        // On PostgreSQL the three are open at once; SQLite runs them one after another.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return events.append(tx, 'seat-9', [{ type: 'SeatBooked', data: {} }], { expectedVersion: 0 });
      });
    const outcomes = await Promise.all([race(), race(), race()]);
    expect(outcomes.filter((o) => o.isOk())).toHaveLength(1);
    for (const o of outcomes.filter((x) => x.isErr())) expectErr(o, 'CONFLICT');
    expect(expectOk(await events.history('seat-9')).events).toHaveLength(1);
  });

  it('stores the caller’s context (actor, correlationId, tenantId) with each event', async () => {
    const events = await h.store();
    const [stored] = expectOk(
      await runInContext({ actor: 'user:7', correlationId: 'req-1', tenantId: 'acme' }, () =>
        h.sql.transaction((tx) => events.publish(tx, { type: 'Renamed', aggregateId: 'doc-1', data: {} })),
      ),
    );
    expect(stored?.metadata).toEqual({ actor: 'user:7', correlationId: 'req-1', tenantId: 'acme' });
    const [read] = expectOk(await events.history('doc-1')).events;
    expect(read?.metadata).toEqual({ actor: 'user:7', correlationId: 'req-1', tenantId: 'acme' });
    const [bare] = expectOk(
      await h.sql.transaction((tx) => events.publish(tx, { type: 'Renamed', aggregateId: 'doc-1', data: {} })),
    );
    expect(bare?.metadata).toEqual({});
  });

  it('accepts a savepoint and an empty list', async () => {
    const events = await h.store();
    expectOk(
      await h.sql.transaction((tx) =>
        tx.transaction((savepoint) => events.publish(savepoint, { type: 'Nested', aggregateId: 'n', data: 1 })),
      ),
    );
    expect(expectOk(await h.sql.transaction((tx) => events.publish(tx, []))).length).toBe(0);
    const undone = await h.sql.transaction(async (tx) => {
      await tx.transaction(async (savepoint) => {
        await events.publish(savepoint, { type: 'Nested', aggregateId: 'n', data: 2 });
        return err('undo the savepoint');
      });
      return ok(undefined);
    });
    expectOk(undone);
    expect(expectOk(await events.history('n')).events.map((e) => e.data)).toEqual([1]);
  });
});
