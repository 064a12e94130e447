// The kill test again, the dispatcher processes sharing one PostgreSQL database.
import { createPostgresSql } from '@keel/adapter-postgres';
import { testPostgres } from '@keel/testing';
import { describe, it } from 'vitest';
import { describeOutboxKills } from './support/outbox-kill-cases.js';

const pg = await testPostgres();
const server = pg.server;

if (server)
  describeOutboxKills({
    name: 'PostgreSQL',
    create: () => server.database('outbox_kill'),
    open: (connectionString) => createPostgresSql({ connectionString }),
    cleanup: () => server.cleanup(),
  });
else
  describe.skip(`transactional outbox under SIGKILL on PostgreSQL — skipped: ${pg.skip}`, () =>
    it('runs', () => undefined));
