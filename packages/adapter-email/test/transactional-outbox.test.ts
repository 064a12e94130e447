import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { describeTransactionalOutbox } from './support/transactional-outbox-cases.js';

const root = await mkdtemp(join(tmpdir(), 'keel-txoutbox-'));
let files = 0;

describeTransactionalOutbox({
  name: 'SQLite',
  open: async () => createSqliteSql({ filename: join(root, `db-${files++}.sqlite`) }),
  cleanup: () => rm(root, { recursive: true, force: true }),
});
