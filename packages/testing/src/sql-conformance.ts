import { describe } from 'vitest';
import { errorTests, statementTests } from './sql-conformance-statements.js';
import { sqlLifecycleTests, transactionTests } from './sql-conformance-transactions.js';
import { viewedThrough } from './harness.js';
import { sqlNotificationTests } from './sql-conformance-notifications.js';
import { sqlSyncTests, waitingTests } from './sql-conformance-sync.js';
import { SqlHarness, type SqlConformanceOptions } from './sql-harness.js';
import { sqlThroughSync } from './sql-sync-view.js';

/**
 * The sql contract as tests, for any sql adapter. Capabilities gate tests, and a skipped test
 * needs a written reason.
 *
 * @example
 * describeSqlConformance({
 *   name: 'sqlite',
 *   factory: ({ id }) => createSqliteSql({ filename: join(dir, `${id}.db`) }),
 *   reopen: ({ id }) => createSqliteSql({ filename: join(dir, `${id}.db`) }),
 *   capabilities: { dialect: 'sqlite', transactions: true, savepoints: true, namedParameters: true, persistent: true, synchronous: true },
 * });
 */
export function describeSqlConformance(options: SqlConformanceOptions): void {
  describe(`sql conformance: ${options.name}`, () => {
    const h = new SqlHarness(options);
    contractTests(h);
    sqlSyncTests(h);
    sqlNotificationTests(h);
    h.checkSkips();
    // A synchronous adapter passes the contract a second time, every call through sql.sync.
    if (options.capabilities.synchronous) {
      describe('through sql.sync', () => {
        const viewed = new SqlHarness(viewedThrough(options, sqlThroughSync, waitingTests));
        contractTests(viewed);
        viewed.checkSkips();
      });
    }
  });
}

function contractTests(h: SqlHarness): void {
  statementTests(h);
  errorTests(h);
  transactionTests(h);
  sqlLifecycleTests(h);
}
