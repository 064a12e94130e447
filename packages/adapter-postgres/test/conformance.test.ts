import { describeSqlConformance, testPostgres } from '@keel/testing';
import { afterAll, describe } from 'vitest';
import { createPostgresSql } from '../src/index.js';

const pg = await testPostgres();
// Each DROP DATABASE waits for a checkpoint: dropping a few dozen takes a while on a busy server.
afterAll(() => pg.server?.cleanup(), 300_000);
// One database per instance; `reopen` connects to the same one. Pools of 2, not the default 10:
// CI runs this file on three Node lines at once against the machine's server (100 connections),
// and the suite's open instances at default size took them all ("too many clients already").
const databases = new Map<string, Promise<string>>();
const open = ({ id }: { id: string }) => {
  if (!databases.has(id)) databases.set(id, (pg.server as NonNullable<typeof pg.server>).database('conformance'));
  return databases.get(id)?.then((connectionString) => createPostgresSql({ connectionString, poolSize: 2 })) as never;
};

if (pg.skip) describe.skip(`sql conformance: postgres — skipped: ${pg.skip}`, () => {});
else
  describeSqlConformance({
    name: 'postgres',
    factory: open,
    reopen: open,
    capabilities: {
      dialect: 'postgres',
      transactions: true,
      savepoints: true,
      namedParameters: true,
      persistent: true,
      synchronous: false,
      sandbox: false,
      notifications: true,
    },
  });
