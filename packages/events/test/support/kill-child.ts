// A process of the kill test: publishes orders and their events in transactions (some rolled
// back) and consumes the store in two groups, until it is killed. Argument `drain`: consume only.
// Markers on stdout tell the parent where it was when killed: T…t around a publishing
// transaction, H…h around a handler.
import { err, ok, type Result } from '@keel/core';
import { createEvents } from '../../src/index.js';
import { openDatabase } from './databases.js';

const [target, table, mode] = process.argv.slice(2) as [string, string, string | undefined];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (max: number) => Math.floor(Math.random() * max);
const mark = (m: string) => process.stdout.write(m);

const sql = openDatabase(target, { poolSize: 4 });
const events = createEvents(sql, { table });
const handled = (group: string) =>
  `INSERT INTO kill_handled (group_name, event_id, aggregate_id, stream_version) VALUES ('${group}', ?, ?, ?)`;
const options = {
  partitions: 4,
  leaseMs: 500,
  pollIntervalMs: 20,
  batchSize: 5,
  retry: { initialDelayMs: 5, maxDelayMs: 20 },
};

// At least once: the row is written, then the checkpoint moves later (a kill in between redelivers).
events.subscribe(
  '*',
  async (e) => {
    mark('H');
    await sleep(random(3));
    const written = await sql.execute(handled('plain'), [e.id, e.aggregateId, e.streamVersion]);
    mark('h');
    return written;
  },
  { group: 'plain', ...options },
);
// Exactly once: the row commits with the checkpoint.
events.subscribe(
  '*',
  async (e, { tx }) => {
    mark('H');
    const written = await tx?.execute(handled('exact'), [e.id, e.aggregateId, e.streamVersion]);
    await sleep(random(3));
    mark('h');
    return written ?? err(new Error('no transaction'));
  },
  { group: 'exact', transactional: true, ...options },
);
mark('ready\n');

if (mode !== 'drain') {
  for (let n = 0; ; n++) {
    const order = `${process.pid}-${n}`;
    const count = 1 + random(2);
    const commit = random(5) !== 0;
    await sql.transaction(async (tx): Promise<Result<void, unknown>> => {
      mark('T');
      const inserted = await tx.execute('INSERT INTO kill_orders (id, events) VALUES (?, ?)', [order, count]);
      if (inserted.isErr()) return err(inserted.error);
      const batch = Array.from({ length: count }, () => ({
        type: 'OrderLine',
        aggregateId: `customer-${random(6)}`,
        data: { order },
      }));
      const published = await events.publish(tx, batch);
      if (published.isErr()) return err(published.error);
      await sleep(random(4));
      return commit ? ok(undefined) : err('rolled back on purpose');
    });
    mark('t');
    await sleep(2 + random(10));
  }
}
