// The auth conformance suite again, each instance on a fresh PostgreSQL database and Redis prefix:
// the shapes that reach different tables and keys (see describeLocalAuthConformance).
import { describe, it } from 'vitest';
import { describeLocalAuthConformance } from './support/conformance-cases.js';
import { postgresRedisStores } from './support/postgres-stores.js';

const { stores, skip } = await postgresRedisStores();

if (stores) describeLocalAuthConformance(stores, { storageOnly: true });
else describe.skip(`auth conformance on PostgreSQL + Redis — skipped: ${skip}`, () => it('runs', () => undefined));
