import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql, sqliteAdapter } from '@keel/adapter-sqlite';
import { createKeel } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { eventsService, eventsToken, type StoredEvent } from '../src/index.js';
import { eventually } from './support/harness.js';

const root = await mkdtemp(join(tmpdir(), 'keel-events-service-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('eventsService in createKeel', () => {
  it('builds the store on the sql instance it names, and stops its subscriptions at keel.close()', async () => {
    const filename = join(root, 'events.db');
    const keel = expectOk(
      await createKeel(
        {
          sql: {
            default: { adapter: 'sqlite', options: { filename: join(root, 'other.db') } },
            events: { adapter: 'sqlite', options: { filename } },
          },
        },
        { adapters: [sqliteAdapter], services: [eventsService({ sql: 'events', table: 'domain_events' })], env: false },
      ),
    );
    const events = keel.resolve(eventsToken);
    expectOk(await events.migrate());
    const handled: StoredEvent[] = [];
    const sub = events.subscribe('*', (e) => void handled.push(e), { group: 'svc', partitions: 2 });
    expectOk(await sub.ready());
    const sql = keel.sql('events');
    expectOk(await sql.transaction((tx) => events.publish(tx, { type: 'Started', aggregateId: 'app', data: {} })));
    await eventually('the event', () => handled.length === 1);
    await keel.close();

    // Closed in order: the subscription handed its partitions back before the database closed.
    const check = createSqliteSql({ filename });
    const owners = expectOk(await check.query('SELECT lease_owner FROM domain_events_checkpoints')).rows;
    expect(owners).toEqual([[null], [null]]);
    await check.close();
  });

  it('checks its options when it is declared', () => {
    expect(() => eventsService({ tabel: 'x' } as never)).toThrow(/did you mean 'table'/);
    expect(() => eventsService({ sql: '' })).toThrow(/sql must be the name of a sql instance/);
  });
});
