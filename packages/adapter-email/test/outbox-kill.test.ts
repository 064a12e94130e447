import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { describeOutboxKills } from './support/outbox-kill-cases.js';

const root = await mkdtemp(join(tmpdir(), 'keel-kill-'));

describeOutboxKills({
  name: 'SQLite',
  create: async () => join(root, 'outbox.sqlite'),
  open: (filename) => createSqliteSql({ filename }),
  cleanup: () => rm(root, { recursive: true, force: true }),
});
