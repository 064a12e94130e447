import { eventColumns } from './event-statements.js';
import type { EventTables } from './event-store-schema.js';

/**
 * The statements of subscription groups: partitions with their checkpoint and lease, the
 * consumers' heartbeats, dead letters. Every write a partition's owner makes is fenced by
 * `lease_owner = ?`: a consumer that lost its lease (it stalled past `leaseMs` and another took
 * over) changes nothing, and a checkpoint only moves forward (`position <= ?`).
 */
export function groupStatements(t: EventTables) {
  const cp = t.checkpoints;
  const dl = t.deadLetters;
  const prefixed = eventColumns
    .split(', ')
    .map((c) => `e.${c}`)
    .join(', ');
  return {
    createPartitions: (n: number) =>
      `INSERT INTO ${cp} (group_name, part, partitions, position, attempts, updated_at) VALUES ${Array.from(
        { length: n },
        () => '(?, ?, ?, ?, 0, ?)',
      ).join(', ')} ON CONFLICT (group_name, part) DO NOTHING`,
    partitionCounts: `SELECT DISTINCT partitions FROM ${cp} WHERE group_name = ?`,
    partitions: `SELECT part, position, lease_owner, lease_until, attempts, failing_position, retry_at, last_error FROM ${cp} WHERE group_name = ? ORDER BY part`,
    heartbeat: `INSERT INTO ${t.consumers} (group_name, consumer_id, seen_until) VALUES (?, ?, ?) ON CONFLICT (group_name, consumer_id) DO UPDATE SET seen_until = excluded.seen_until`,
    forgetConsumers: `DELETE FROM ${t.consumers} WHERE group_name = ? AND seen_until < ?`,
    forgetConsumer: `DELETE FROM ${t.consumers} WHERE group_name = ? AND consumer_id = ?`,
    liveConsumers: `SELECT COUNT(*) FROM ${t.consumers} WHERE group_name = ? AND seen_until >= ?`,
    renew: `UPDATE ${cp} SET lease_until = ? WHERE group_name = ? AND lease_owner = ?`,
    claim: `UPDATE ${cp} SET lease_owner = ?, lease_until = ?, updated_at = ? WHERE group_name = ? AND part = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?) RETURNING position, attempts, failing_position, retry_at`,
    releaseAll: `UPDATE ${cp} SET lease_owner = NULL, lease_until = NULL WHERE group_name = ? AND lease_owner = ?`,
    release: `UPDATE ${cp} SET lease_owner = NULL, lease_until = NULL WHERE group_name = ? AND part = ? AND lease_owner = ?`,
    /** position, lease_until, updated_at, group, part, owner, old position */
    checkpoint: `UPDATE ${cp} SET position = ?, lease_until = ?, updated_at = ?, attempts = 0, failing_position = NULL, retry_at = NULL, last_error = NULL WHERE group_name = ? AND part = ? AND lease_owner = ? AND position <= ?`,
    /** position, attempts, failing_position, retry_at, last_error, lease_until, updated_at, group, part, owner, old position */
    failed: `UPDATE ${cp} SET position = ?, attempts = ?, failing_position = ?, retry_at = ?, last_error = ?, lease_until = ?, updated_at = ? WHERE group_name = ? AND part = ? AND lease_owner = ? AND position <= ?`,
    rewind: `UPDATE ${cp} SET position = ?, lease_owner = NULL, lease_until = NULL, attempts = 0, failing_position = NULL, retry_at = NULL, last_error = NULL, updated_at = ? WHERE group_name = ?`,
    bury: `INSERT INTO ${dl} (group_name, position, attempts, error, status, failed_at) VALUES (?, ?, ?, ?, 'dead', ?) ON CONFLICT (group_name, position) DO UPDATE SET attempts = excluded.attempts, error = excluded.error, status = 'dead', failed_at = excluded.failed_at`,
    requeued: `SELECT ${prefixed}, e.trace_context, d.attempts FROM ${dl} d JOIN ${t.events} e ON e.position = d.position WHERE d.group_name = ? AND d.status = 'requeued' AND e.bucket % ? = ? ORDER BY d.position LIMIT ?`,
    unbury: `DELETE FROM ${dl} WHERE group_name = ? AND position = ? AND status = 'requeued'`,
    reburied: `UPDATE ${dl} SET status = 'dead', attempts = ?, error = ?, failed_at = ? WHERE group_name = ? AND position = ? AND status = 'requeued'`,
    deadLetters: `SELECT ${prefixed}, d.group_name, d.attempts, d.error, d.status, d.failed_at FROM ${dl} d JOIN ${t.events} e ON e.position = d.position WHERE d.group_name = ? AND d.position > ? ORDER BY d.position LIMIT ?`,
    requeue: `UPDATE ${dl} SET status = 'requeued' WHERE group_name = ? AND position = ? AND status = 'dead'`,
    requeueAll: `UPDATE ${dl} SET status = 'requeued' WHERE group_name = ? AND status = 'dead'`,
    discard: `DELETE FROM ${dl} WHERE group_name = ? AND position = ?`,
  };
}

/** The statements' type, for the parts that take them. */
export type GroupStatements = ReturnType<typeof groupStatements>;
