import { createSqliteSql } from '@keel/adapter-sqlite';
import { createObservability } from '@keel/core';
import { expectOk } from '@keel/testing';
import { expect, it } from 'vitest';
import { createEvents } from '../src/index.js';

it("a group's lag is a gauge, read when metrics are read", async () => {
  const observability = createObservability({ prometheus: true });
  const sql = createSqliteSql({ filename: ':memory:' });
  const events = createEvents(sql, { observability });
  expectOk(await events.migrate());
  for (let i = 0; i < 3; i++)
    expectOk(await sql.transaction((tx) => events.publish(tx, { type: 'Noted', aggregateId: `a${i}`, data: i })));
  const stuck = events.subscribe(
    '*',
    () => {
      throw new Error('not yet');
    },
    { group: 'mailer', partitions: 1 },
  );
  expectOk(await stuck.ready());
  expect(await observability.metricsText()).toContain('keel_events_lag{table="keel_events",group="mailer"} 3');
  await events.close();
  expect(await observability.metricsText()).not.toContain('keel_events_lag');
  await sql.close();
});
