import type { Migration } from '@keel/core';

/**
 * The tables of `@keel/jobs`, applied by core's migrator under the scope `keel-jobs:<table>`.
 * Times are milliseconds since the epoch; payloads, results, progress, errors and contexts are
 * JSON text. The partial indexes keep the hot paths small whatever the history holds: due jobs
 * by name and priority, held leases by expiry, and one live job per dedupe key.
 */
export function jobsMigrations(table: string): Migration[] {
  const jobs = `CREATE TABLE ${table} (
  id VARCHAR(36) PRIMARY KEY,
  queue VARCHAR(100) NOT NULL,
  name VARCHAR(200) NOT NULL,
  state VARCHAR(10) NOT NULL,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL,
  run_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  backoff VARCHAR(200) NOT NULL,
  timeout_ms BIGINT NOT NULL,
  dedupe_key VARCHAR(300),
  tick_key VARCHAR(300),
  context TEXT,
  progress TEXT,
  result TEXT,
  error TEXT,
  lease_owner VARCHAR(64),
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
)`;
  const indexes = [
    `CREATE INDEX ${table}_due ON ${table} (name, priority DESC, run_at) WHERE state = 'waiting'`,
    `CREATE INDEX ${table}_leases ON ${table} (lease_until) WHERE state = 'active'`,
    `CREATE INDEX ${table}_listing ON ${table} (queue, created_at)`,
    `CREATE INDEX ${table}_finished ON ${table} (state, finished_at)`,
    `CREATE UNIQUE INDEX ${table}_dedupe ON ${table} (name, dedupe_key) WHERE state IN ('waiting', 'active')`,
    `CREATE UNIQUE INDEX ${table}_tick ON ${table} (tick_key)`,
  ];
  const schedules = `CREATE TABLE ${table}_schedules (
  name VARCHAR(200) PRIMARY KEY,
  spec VARCHAR(500) NOT NULL,
  next_at BIGINT NOT NULL,
  last_at BIGINT,
  updated_at BIGINT NOT NULL
)`;
  // Rows are updated several times each: on PostgreSQL, room on each page lets those updates
  // stay on the page (HOT) instead of writing new index entries.
  const postgresTable = `${jobs} WITH (fillfactor = 70)`;
  return [
    {
      version: 1,
      name: 'create jobs and schedules',
      up: {
        sqlite: [jobs, ...indexes, schedules].join(';\n'),
        postgres: [postgresTable, ...indexes, schedules].join(';\n'),
      },
      down: `DROP TABLE ${table}_schedules;\nDROP TABLE ${table}`,
    },
    {
      // The enqueuer's trace context (W3C traceparent/tracestate as JSON), so that each attempt joins its trace.
      version: 2,
      name: 'store trace context',
      up: `ALTER TABLE ${table} ADD COLUMN trace_context TEXT`,
      down: `ALTER TABLE ${table} DROP COLUMN trace_context`,
    },
  ];
}
