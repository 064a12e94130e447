import type { Migration } from '@keel/core';

/** The names of the store's tables, all derived from the `table` option. */
export interface EventTables {
  readonly events: string;
  readonly checkpoints: string;
  readonly consumers: string;
  readonly deadLetters: string;
}

/** The tables of a store whose events table is `table`. */
export function eventTables(table: string): EventTables {
  return {
    events: table,
    checkpoints: `${table}_checkpoints`,
    consumers: `${table}_consumers`,
    deadLetters: `${table}_dead_letters`,
  };
}

/**
 * The store's history, applied by core's migrator under scope `keel-events:<table>`.
 * Times are milliseconds since the epoch (BIGINT), data and metadata JSON text. Only the
 * position column differs: SQLite's AUTOINCREMENT never hands out a position again (not even
 * after the newest row is deleted); PostgreSQL's identity column does the same.
 */
export function eventMigrations(t: EventTables): Migration[] {
  const events = (position: string) => `CREATE TABLE ${t.events} (
  position ${position},
  id VARCHAR(36) NOT NULL,
  aggregate_id VARCHAR(200) NOT NULL,
  stream_version INTEGER NOT NULL,
  type VARCHAR(200) NOT NULL,
  schema_version INTEGER NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  occurred_at BIGINT NOT NULL,
  bucket INTEGER NOT NULL,
  CONSTRAINT ${t.events}_stream UNIQUE (aggregate_id, stream_version)
);
CREATE INDEX ${t.events}_type ON ${t.events} (type, position);
CREATE INDEX ${t.events}_time ON ${t.events} (occurred_at)`;
  // One row per partition of a group: its checkpoint, its lease, and the retry state of the event after it.
  const groups = `CREATE TABLE ${t.checkpoints} (
  group_name VARCHAR(200) NOT NULL,
  part INTEGER NOT NULL,
  partitions INTEGER NOT NULL,
  position BIGINT NOT NULL,
  lease_owner VARCHAR(100),
  lease_until BIGINT,
  attempts INTEGER NOT NULL DEFAULT 0,
  failing_position BIGINT,
  retry_at BIGINT,
  last_error TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (group_name, part)
);
CREATE TABLE ${t.consumers} (
  group_name VARCHAR(200) NOT NULL,
  consumer_id VARCHAR(100) NOT NULL,
  seen_until BIGINT NOT NULL,
  PRIMARY KEY (group_name, consumer_id)
);
CREATE TABLE ${t.deadLetters} (
  group_name VARCHAR(200) NOT NULL,
  position BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL,
  status VARCHAR(10) NOT NULL,
  failed_at BIGINT NOT NULL,
  PRIMARY KEY (group_name, position)
)`;
  return [
    {
      version: 1,
      name: 'create event store',
      up: {
        sqlite: `${events('INTEGER PRIMARY KEY AUTOINCREMENT')};\n${groups}`,
        postgres: `${events('BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY')};\n${groups}`,
      },
      down: `DROP TABLE ${t.deadLetters};\nDROP TABLE ${t.consumers};\nDROP TABLE ${t.checkpoints};\nDROP TABLE ${t.events}`,
    },
    {
      // The publisher's trace context (W3C traceparent/tracestate as JSON), so a delivery joins its trace.
      version: 2,
      name: 'store trace context',
      up: `ALTER TABLE ${t.events} ADD COLUMN trace_context TEXT`,
      down: `ALTER TABLE ${t.events} DROP COLUMN trace_context`,
    },
  ];
}
