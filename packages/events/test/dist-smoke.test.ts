import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so `@keel/events`,
// `@keel/core` and `@keel/adapter-sqlite` resolve to their `dist`.
const script = `
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createEvents, EventsError } from '@keel/events';
  const sql = createSqliteSql({ filename: ':memory:' });
  const events = createEvents(sql);
  (await events.migrate())._unsafeUnwrap();
  const handled = [];
  const sub = events.subscribe('*', (e) => { handled.push(e.type); }, { group: 'smoke' });
  (await sub.ready())._unsafeUnwrap();
  const stored = (await sql.transaction((tx) => events.publish(tx, { type: 'Built', aggregateId: 'a', data: 1 })))._unsafeUnwrap();
  const refused = await events.publish(sql, { type: 'Built', aggregateId: 'a', data: 1 });
  while (handled.length === 0) await new Promise((r) => setTimeout(r, 5));
  await events.close();
  await sql.close();
  console.log(JSON.stringify({ version: stored[0].streamVersion, handled, code: refused.error.code, isEventsError: refused.error instanceof EventsError }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  title: 'works from plain node with the built core and adapter',
  expected: {
    version: 1,
    handled: ['Built'],
    code: 'NOT_IN_TRANSACTION',
    isEventsError: true,
  },
});
