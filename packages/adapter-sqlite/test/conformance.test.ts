import { describeSqlConformance } from '@keel/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteSql } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-sqlite-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSqlConformance({
  name: 'sqlite (file)',
  factory: ({ id }) => createSqliteSql({ filename: join(dir, `${id}.db`) }),
  reopen: ({ id }) => createSqliteSql({ filename: join(dir, `${id}.db`) }),
  capabilities: {
    dialect: 'sqlite',
    transactions: true,
    savepoints: true,
    namedParameters: true,
    persistent: true,
    synchronous: true,
    sandbox: true,
  },
});

describeSqlConformance({
  name: 'sqlite (:memory:)',
  factory: () => createSqliteSql({ filename: ':memory:' }),
  capabilities: {
    dialect: 'sqlite',
    transactions: true,
    savepoints: true,
    namedParameters: true,
    persistent: false,
    synchronous: true,
    sandbox: false,
  },
});
