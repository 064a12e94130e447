import { describe } from 'vitest';
import { errorTests, statementTests } from './sql-conformance-statements.js';
import { sqlLifecycleTests, transactionTests } from './sql-conformance-transactions.js';
import { SqlHarness, type SqlConformanceOptions } from './sql-harness.js';

/**
 * The sql contract as tests, for any sql adapter. Capabilities gate tests, and a skipped test
 * needs a written reason.
 *
 * @example
 * describeSqlConformance({
 *   name: 'sqlite',
 *   factory: ({ id }) => createSqliteSql({ filename: join(dir, `${id}.db`) }),
 *   reopen: ({ id }) => createSqliteSql({ filename: join(dir, `${id}.db`) }),
 *   capabilities: { transactions: true, savepoints: true, namedParameters: true, persistent: true },
 * });
 */
export function describeSqlConformance(options: SqlConformanceOptions): void {
  describe(`sql conformance: ${options.name}`, () => {
    const h = new SqlHarness(options);
    statementTests(h);
    errorTests(h);
    transactionTests(h);
    sqlLifecycleTests(h);
    h.checkSkips();
  });
}
