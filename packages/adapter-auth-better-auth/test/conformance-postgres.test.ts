// The auth conformance suite again on PostgreSQL: one fresh database, each instance its own tables.
import { createPostgresSql } from '@keel/adapter-postgres';
import { testPostgres } from '@keel/testing';
import { describe, it } from 'vitest';
import { describeBetterAuthConformance } from './support/conformance-cases.js';

const pg = await testPostgres();

if (pg.server) {
  const server = pg.server;
  const url = await server.database('better_auth');
  let n = 0;
  describeBetterAuthConformance({
    name: 'PostgreSQL',
    open: async () => {
      const sql = createPostgresSql({ connectionString: url });
      return { sql, tablePrefix: `ba${n++}_`, dispose: async () => void (await sql.close()) };
    },
    cleanup: () => server.cleanup(),
  });
} else describe.skip(`better-auth conformance on PostgreSQL — skipped: ${pg.skip}`, () => it('runs', () => undefined));
