import type { Sql } from '@keel/core';
import { expectOk } from '@keel/testing';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { createEvents, type Events, type EventsOptions } from '../../src/index.js';
import { type TestDatabase, testDatabases } from './databases.js';

/** What a test body gets: its database and fresh stores on it. */
export interface EventsHarness {
  readonly db: TestDatabase;
  /** The file's connection (opened before the tests, closed after). */
  readonly sql: Sql;
  /** What opens another connection to the same database (`db.open(target)`), as another process would. */
  readonly target: string;
  /** A migrated store on a table set no other test uses; closed after the test. */
  store(options?: EventsOptions & { readonly table?: string }): Promise<Events>;
  /** The table name the last `store()` call used, or a fresh one. */
  freshTable(): string;
}

const databases = await testDatabases();
let tables = 0;
// Once per test file, after every describe block of it.
afterAll(async () => {
  for (const db of databases) await db.cleanup();
});

/**
 * Runs `body` once per database (SQLite file, PostgreSQL), the same test bodies on each. One
 * database per file and database; each store gets its own tables (the `table` option).
 */
export function describeEachDatabase(title: string, body: (h: EventsHarness) => void): void {
  for (const db of databases) {
    describe.skipIf(db.skip)(`${title} — ${db.name}${db.skip ? ` (skipped: ${db.skip})` : ''}`, () => {
      let sql: Sql | undefined;
      let target: string | undefined;
      const open: Events[] = [];
      beforeAll(async () => {
        target = await db.create(title.replace(/\W+/g, '_').slice(0, 20));
        sql = db.open(target);
      });
      afterEach(async () => {
        await Promise.all(open.splice(0).map((e) => e.close()));
      });
      afterAll(async () => {
        await sql?.close();
      });
      const harness: EventsHarness = {
        db,
        get sql() {
          if (!sql) throw new Error('the harness is used outside a test');
          return sql;
        },
        get target() {
          if (!target) throw new Error('the harness is used outside a test');
          return target;
        },
        freshTable: () => `ev_${process.pid}_${tables++}`,
        async store(options = {}) {
          const events = createEvents(harness.sql, { table: harness.freshTable(), ...options });
          expectOk(await events.migrate());
          open.push(events);
          return events;
        },
      };
      body(harness);
    });
  }
}

/** Waits until `check` holds (re-checked every 10 ms); fails the test with `what` after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
