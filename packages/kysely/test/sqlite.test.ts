import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { afterAll } from 'vitest';
import { describeKyselyOnKeel } from './kysely-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-kysely-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

describeKyselyOnKeel('SQLite', () => createSqliteSql({ filename: join(dir, `kysely-${counter++}.db`) }));
