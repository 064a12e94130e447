import { describe } from 'vitest';
import { type MakeSql, kyselyHarness } from './kysely-harness.js';
import { describeMigrations } from './suite-migrations.js';
import { describeQueries } from './suite-queries.js';
import { describeTransactions } from './suite-transactions.js';

/**
 * Every kysely test, on one Keel sql adapter: `makeSql` returns a fresh, empty database each
 * call. The same suite runs on each dialect, so a test may branch on
 * `sql.capabilities.dialect` only where the databases differ by design (their own SQL).
 *
 * @example
 * describeKyselyOnKeel('SQLite', () => createSqliteSql({ filename: join(dir, `${n++}.db`) }));
 */
export function describeKyselyOnKeel(name: string, makeSql: MakeSql): void {
  describe(`kysely on Keel's ${name}`, () => {
    const h = kyselyHarness(makeSql);
    describeQueries(h);
    describeTransactions(h);
    describeMigrations(h);
  });
}
