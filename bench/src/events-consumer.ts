// A consumer process of events.bench.ts: subscribes to every event in one group with a handler
// that does nothing, until it is killed.
import { createPostgresSql } from '@keel/adapter-postgres';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createEvents } from '@keel/events';

const [target, table, group, partitions, notifications] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const sql = /^postgres(ql)?:/.test(target)
  ? createPostgresSql({ connectionString: target, poolSize: 4 })
  : createSqliteSql({ filename: target, busyTimeoutMs: 10_000 });
const events = createEvents(sql, { table, notifications: notifications !== 'false' });
const sub = events.subscribe('*', () => {}, {
  group,
  partitions: Number(partitions),
  leaseMs: 1500,
  pollIntervalMs: 20,
  batchSize: 200,
});
(await sub.ready())._unsafeUnwrap();
process.stdout.write('ready\n');
