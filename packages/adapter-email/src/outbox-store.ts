import type { Migration, SqlDialect } from '@keel/core';

/** Where a stored message stands. */
export type OutboxStatus = 'pending' | 'sent' | 'dead';

/**
 * The outbox table's history, applied by core's migrator under its own scope. Timestamps are
 * milliseconds since the epoch. One script for every dialect: BIGINT and VARCHAR mean the same
 * on SQLite and PostgreSQL, except that PostgreSQL enforces the VARCHAR lengths.
 */
export function outboxMigrations(table: string): Migration[] {
  return [
    {
      version: 1,
      name: 'create outbox',
      up: `CREATE TABLE ${table} (
  id VARCHAR(64) PRIMARY KEY,
  idempotency_key VARCHAR(300) NOT NULL,
  message TEXT NOT NULL,
  status VARCHAR(10) NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  available_at BIGINT NOT NULL,
  lease_owner VARCHAR(64),
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT,
  provider VARCHAR(100),
  provider_message_id VARCHAR(500),
  last_error_code VARCHAR(40),
  last_error TEXT
);
CREATE INDEX ${table}_due ON ${table} (status, available_at)`,
      down: `DROP TABLE ${table}`,
    },
    {
      version: 2,
      name: 'trace context',
      // The W3C trace context active at enqueue (JSON of `traceparent`, `tracestate`): the
      // delivery's span continues that trace. NULL for messages enqueued outside a trace, or before.
      up: `ALTER TABLE ${table} ADD COLUMN trace_context VARCHAR(1000)`,
      down: `ALTER TABLE ${table} DROP COLUMN trace_context`,
    },
  ];
}

/**
 * What the dialects' statements differ in. On PostgreSQL a dispatcher locks the due rows it
 * reads in its claim transaction and skips those another dispatcher holds, instead of waiting
 * for that one to commit; SQLite's write transaction already holds the whole database.
 */
const claimLock: Readonly<Record<SqlDialect, string>> = {
  sqlite: '',
  postgres: ' FOR UPDATE SKIP LOCKED',
};

/** The statements of one outbox table, in the database's dialect. */
export function outboxStatements(t: string, dialect: SqlDialect) {
  const due = `SELECT id, idempotency_key, message, attempts, trace_context FROM ${t} WHERE status = 'pending' AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY available_at, created_at LIMIT ?`;
  return {
    insert: `INSERT INTO ${t} (id, idempotency_key, message, status, attempts, available_at, created_at, trace_context) VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)`,
    due,
    claimable: `${due}${claimLock[dialect]}`,
    claim: `UPDATE ${t} SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)`,
    // A message whose claims keep dying with their dispatcher is not claimed forever.
    bury: `UPDATE ${t} SET status = 'dead', lease_owner = NULL, lease_until = NULL, last_error_code = 'INTERNAL', last_error = ? WHERE id = ? AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)`,
    sent: `UPDATE ${t} SET status = 'sent', sent_at = ?, provider = ?, provider_message_id = ?, lease_owner = NULL, lease_until = NULL, last_error_code = NULL, last_error = NULL WHERE id = ? AND status = 'pending'`,
    retry: `UPDATE ${t} SET available_at = ?, lease_owner = NULL, lease_until = NULL, last_error_code = ?, last_error = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    dead: `UPDATE ${t} SET status = 'dead', lease_owner = NULL, lease_until = NULL, last_error_code = ?, last_error = ? WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    release: `UPDATE ${t} SET attempts = attempts - 1, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    counts: `SELECT status, COUNT(*) FROM ${t} GROUP BY status`,
    deadLetters: `SELECT id, idempotency_key, attempts, last_error_code, last_error, created_at FROM ${t} WHERE status = 'dead' ORDER BY created_at, id LIMIT ?`,
    requeue: `UPDATE ${t} SET status = 'pending', attempts = 0, available_at = ?, last_error_code = NULL, last_error = NULL WHERE id = ? AND status = 'dead'`,
    purge: `DELETE FROM ${t} WHERE status = 'sent' AND sent_at < ?`,
  };
}
