// The transactional outbox's tests again, each on a fresh PostgreSQL database.
import { createPostgresSql } from '@keel/adapter-postgres';
import { testPostgres } from '@keel/testing';
import { describe, it } from 'vitest';
import { describeTransactionalOutbox } from './support/transactional-outbox-cases.js';

const pg = await testPostgres();
const server = pg.server;

if (server)
  describeTransactionalOutbox({
    name: 'PostgreSQL',
    open: async () => createPostgresSql({ connectionString: await server.database('outbox') }),
    cleanup: () => server.cleanup(),
  });
else describe.skip(`createEmailOutbox on PostgreSQL — skipped: ${pg.skip}`, () => it('runs', () => undefined));
