// Domain events across machines: one "machine" holds the store (a SQLite file) and relays its
// events with `fanOutEvents`; others reach only the messaging server — another connection to the
// same Redis or NATS (or, for memory, another instance on the same in-process broker) — and read
// typed, upcast events with `eventMessageHandler`. No store, no sql on the reading side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryBroker, createMemoryMessaging } from '@keel/adapter-messaging-memory';
import { createNatsMessaging } from '@keel/adapter-messaging-nats';
import { createRedisMessaging } from '@keel/adapter-messaging-redis';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { err, errAsync, type Messaging, type Sql } from '@keel/core';
import { eventually, expectOk, testNats, testRedis } from '@keel/testing';
import * as v from 'valibot';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createEvents,
  encodeEventMessage,
  type EventsError,
  eventMessageHandler,
  type Events,
  fanOutEvents,
  type StoredEvent,
} from '../src/index.js';

const redis = await testRedis();
const nats = await testNats();
const folder = mkdtempSync(join(tmpdir(), 'keel-fan-out-'));
afterAll(async () => {
  await Promise.all([redis.server?.cleanup(), nats.server?.cleanup()]);
  rmSync(folder, { recursive: true, force: true });
});

/** Messaging for two machines: `make()` is called once per machine, on the same server and namespace. */
const servers: { name: string; skip: string | undefined; machines: () => () => Messaging }[] = [
  {
    name: 'memory',
    skip: undefined,
    machines: () => {
      const broker = createMemoryBroker();
      return () => createMemoryMessaging({ broker });
    },
  },
  {
    name: 'redis',
    skip: redis.skip,
    machines: () => {
      const keyPrefix = redis.server?.prefix('fan-out') as string;
      return () => createRedisMessaging({ url: redis.server?.url as string, keyPrefix });
    },
  },
  {
    name: 'nats',
    skip: nats.skip,
    machines: () => {
      const stream = nats.server?.stream('fan-out');
      return () => createNatsMessaging({ url: nats.server?.url, storage: 'memory', ...stream });
    },
  },
];

// The writing machine's types (version 1) and the reading machine's (a newer build: version 2).
const v1 = { TaskCreated: { schema: v.object({ title: v.string() }) }, TaskCompleted: { schema: v.object({}) } };
const v2 = {
  TaskCreated: {
    version: 2,
    schema: v.object({ title: v.string(), priority: v.number() }),
    upcasters: { 1: (data: { title: string }) => ({ ...data, priority: 0 }) },
  },
  TaskCompleted: { schema: v.object({}) },
};
let files = 0;

for (const server of servers) {
  describe.skipIf(server.skip)(`fanOutEvents and eventMessageHandler on ${server.name}`, () => {
    const closing: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const close of closing.splice(0).reverse()) await close();
    });

    /** The writing machine: its store on a SQLite file (its messaging connection is its own). */
    async function writer(): Promise<{ sql: Sql; events: Events }> {
      const sql = createSqliteSql({ filename: join(folder, `store-${files++}.sqlite`) });
      const events = createEvents(sql, { types: v1 });
      expectOk(await events.migrate());
      closing.push(
        () => sql.close(),
        () => events.close(),
      );
      return { sql, events };
    }
    function machine(make: () => Messaging): Messaging {
      const messaging = make();
      closing.push(() => messaging.close());
      return messaging;
    }
    const publish = (w: { sql: Sql; events: Events }, type: string, aggregateId: string, data: unknown) =>
      w.sql.transaction((tx) => w.events.publish(tx, { type, aggregateId, data }));

    it('carries committed events to another machine, typed and upcast, one subject per type, in order', async () => {
      const make = server.machines();
      const here = machine(make);
      const there = machine(make);
      const w = await writer();
      for (const name of ['created', 'completed'])
        expectOk(await there.ensureConsumer({ subject: `events.Task${name[0]?.toUpperCase()}${name.slice(1)}`, name }));
      const relay = fanOutEvents(w.events, here, { types: 'Task*', group: 'fan-out', pollIntervalMs: 50 });
      closing.push(() => relay.stop());

      const created: StoredEvent<{ title: string; priority: number }>[] = [];
      const completed: StoredEvent[] = [];
      const subs = [
        there.subscribe(
          'events.TaskCreated',
          'created',
          eventMessageHandler((event: StoredEvent<{ title: string; priority: number }>) => void created.push(event), {
            types: v2,
          }),
          { waitMs: 200 },
        ),
        there.subscribe(
          'events.TaskCompleted',
          'completed',
          eventMessageHandler((e) => void completed.push(e)),
          {
            waitMs: 200,
          },
        ),
      ];
      closing.push(() => Promise.all(subs.map((s) => s.stop())));
      const stored = [
        ...expectOk(await publish(w, 'TaskCreated', 'task-1', { title: 'one' })),
        ...expectOk(await publish(w, 'TaskCreated', 'task-1', { title: 'two' })),
        ...expectOk(await publish(w, 'TaskCompleted', 'task-1', {})),
      ];
      // Rolled back: never published.
      await w.sql.transaction(async (tx) => {
        await w.events.publish(tx, { type: 'TaskCreated', aggregateId: 'task-9', data: { title: 'no' } });
        return err(new Error('rolled back'));
      });
      await eventually(() => created.length === 2 && completed.length === 1, 15_000, 'the events on the other side');
      expect(created.map((e) => e.data)).toEqual([
        { title: 'one', priority: 0 },
        { title: 'two', priority: 0 },
      ]);
      expect(created.map((e) => [e.id, e.schemaVersion, e.streamVersion])).toEqual([
        [stored[0]?.id, 2, 1],
        [stored[1]?.id, 2, 2],
      ]);
      expect(completed[0]).toEqual(stored[2]);
    });

    it('publishes again after a crash between publish and checkpoint, and the reader handles each event once', async () => {
      const make = server.machines();
      const real = machine(make);
      const there = machine(make);
      const w = await writer();
      // The first event's publish reaches the server, then the relay "dies" before its checkpoint
      // moves; the second's fails before it is sent (the server was away). Both are tried again.
      const failedOnce = new Set<string>();
      const crashing: Messaging = {
        ...real,
        publish: (subject, data, options) => {
          const id = options?.messageId as string;
          if (failedOnce.has(id)) return real.publish(subject, data, options);
          failedOnce.add(id);
          const crash = err(new Error('crashed')) as never;
          return failedOnce.size === 1 ? real.publish(subject, data, options).andThen(() => crash) : errAsync(crash);
        },
      };
      expectOk(await there.ensureConsumer({ subject: 'events.TaskCreated', name: 'once' }));
      const relay = fanOutEvents(w.events, crashing, {
        types: 'TaskCreated',
        group: 'crashy',
        pollIntervalMs: 50,
        retry: { initialDelayMs: 1, maxDelayMs: 10 },
      });
      closing.push(() => relay.stop());
      const seen: string[] = [];
      const handler = eventMessageHandler((event: StoredEvent<{ title: string }>) => void seen.push(event.data.title), {
        types: v1,
      });
      const sub = there.subscribe('events.TaskCreated', 'once', handler, { waitMs: 200 });
      closing.push(() => sub.stop());
      const [event] = expectOk(await publish(w, 'TaskCreated', 'task-1', { title: 'one' }));
      expectOk(await publish(w, 'TaskCreated', 'task-2', { title: 'two' }));
      await eventually(() => seen.length >= 2 && failedOnce.size === 2, 15_000, 'both events');
      // Published again outside any de-duplication window (no messageId): the reader drops it.
      expectOk(await real.publish('events.TaskCreated', encodeEventMessage(event as StoredEvent)));
      expectOk(await publish(w, 'TaskCreated', 'task-3', { title: 'three' }));
      await eventually(() => seen.length >= 3, 15_000, 'the third event');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Two aggregates: each in its order, no order between them.
      expect(seen.sort()).toEqual(['one', 'three', 'two']);
    });

    it('refuses what is not an acceptable event (to onInvalid, then the dead letters) and keeps reading', async () => {
      const make = server.machines();
      const attacker = machine(make);
      const there = machine(make);
      expectOk(await there.ensureConsumer({ subject: 'events.dead', name: 'dead' }));
      expectOk(
        await there.ensureConsumer({
          subject: 'events.TaskCreated',
          name: 'strict',
          maxDeliveries: 1,
          deadLetterSubject: 'events.dead',
        }),
      );
      const good = {
        id: 'e-1',
        type: 'TaskCreated',
        aggregateId: 'task-1',
        data: { title: 'one' },
        schemaVersion: 1,
        position: 1,
        streamVersion: 1,
        occurredAt: new Date().toISOString(),
        metadata: {},
      };
      const bad: [string, string | Uint8Array][] = [
        ['not JSON', 'not json'],
        ['not UTF-8', new Uint8Array([0xff, 0xfe, 0x7b])],
        ['no fields', '{}'],
        ['an extra field', JSON.stringify({ ...good, id: 'e-x', admin: true })],
        ['a metadata object with a number', JSON.stringify({ ...good, id: 'e-m', metadata: { actor: 1 } })],
        ['newer than this app', JSON.stringify({ ...good, id: 'e-3', schemaVersion: 3 })],
        ['data its schema refuses', JSON.stringify({ ...good, id: 'e-4', data: { title: 5 } })],
        ['an unknown type', JSON.stringify({ ...good, id: 'e-5', type: 'Root' })],
        ['a bad type name', JSON.stringify({ ...good, id: 'e-6', type: 'a b\n' })],
        ['a negative position', JSON.stringify({ ...good, id: 'e-7', position: -1 })],
      ];
      for (const [, data] of bad) expectOk(await attacker.publish('events.TaskCreated', data));
      expectOk(await attacker.publish('events.TaskCreated', JSON.stringify(good)));
      const invalid: string[] = [];
      const handled: StoredEvent[] = [];
      const sub = there.subscribe(
        'events.TaskCreated',
        'strict',
        eventMessageHandler((event) => void handled.push(event), {
          types: v2,
          onInvalid: (error: EventsError) => invalid.push(error.code),
        }),
        { waitMs: 200 },
      );
      closing.push(() => sub.stop());
      await eventually(() => handled.length === 1, 15_000, 'the good event after the bad ones');
      expect(handled[0]?.data).toEqual({ title: 'one', priority: 0 });
      await eventually(() => invalid.length === bad.length, 15_000, 'every bad message reported');
      expect(invalid).toEqual([
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
        'VALIDATION',
        'UNKNOWN_TYPE',
        'VALIDATION',
        'VALIDATION',
      ]);
      const dead: unknown[] = [];
      await eventually(
        async () => {
          dead.push(...expectOk(await there.pull('events.dead', 'dead', { maxMessages: 100, waitMs: 100 })));
          return dead.length >= bad.length;
        },
        15_000,
        'the bad messages in the dead letters',
      );
      expect(dead).toHaveLength(bad.length);
    });

    it('sends events to the subject a function names, in its own encoding, and skips what it leaves out', async () => {
      const make = server.machines();
      const here = machine(make);
      const w = await writer();
      expectOk(await here.ensureConsumer({ subject: 'workspace.7.tasks', name: 'page' }));
      const relay = fanOutEvents(w.events, here, {
        types: ['TaskCreated'],
        group: 'live',
        subject: (event) => (event.aggregateId === 'hidden' ? undefined : 'workspace.7.tasks'),
        encode: (event) => `created ${(event.data as { title: string }).title}`,
        pollIntervalMs: 50,
      });
      closing.push(() => relay.stop());
      expectOk(await publish(w, 'TaskCreated', 'hidden', { title: 'secret' }));
      expectOk(await publish(w, 'TaskCreated', 'shown', { title: 'one' }));
      const texts: string[] = [];
      await eventually(
        async () => {
          for (const m of expectOk(await here.pull('workspace.7.tasks', 'page', { maxMessages: 10, waitMs: 100 }))) {
            texts.push(new TextDecoder().decode(m.data));
            expectOk(await here.ack(m.token));
          }
          return texts.length >= 1;
        },
        15_000,
        'the relayed message',
      );
      expect(texts).toEqual(['created one']);
      expect(() => fanOutEvents(w.events, here, { types: 'X', group: 'g', subject: '' })).toThrow(TypeError);
      expect(() => eventMessageHandler(() => undefined, { remember: -1 })).toThrow(TypeError);
    });
  });
}
