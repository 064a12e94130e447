import type { SqlDialect } from '@keel/core';

/** The columns a job is read back with, in `jobFromRow`'s order. */
export const jobColumns =
  'id, queue, name, state, payload, priority, run_at, attempts, max_attempts, dedupe_key, tick_key, context, ' +
  'progress, result, error, lease_owner, created_at, started_at, finished_at';

/** The columns a claimed job comes back with, in `claimedFromRow`'s order. */
const claimedColumns =
  'id, queue, payload, attempts, max_attempts, backoff, timeout_ms, context, tick_key, created_at, trace_context';

/**
 * On PostgreSQL a claim locks the due rows it picks and skips rows another worker's claim holds,
 * instead of waiting for that claim to commit; on SQLite the claiming statement holds the
 * database's write lock from its start (an `UPDATE` takes it before it reads), which serialises
 * claims across processes the way `BEGIN IMMEDIATE` does.
 */
const claimLock: Readonly<Record<SqlDialect, string>> = { sqlite: '', postgres: ' FOR UPDATE SKIP LOCKED' };

/** Reading `[{ id, payload, context }, …]` from one JSON parameter, per dialect. */
const jsonRows: Readonly<Record<SqlDialect, { fields: string; payload: string; context: string; from: string }>> = {
  sqlite: {
    fields: "json_extract(value, '$.id')",
    payload: "json_extract(value, '$.payload')",
    context: "json_extract(value, '$.context')",
    from: 'json_each(?)',
  },
  postgres: {
    fields: 'x.id',
    payload: 'x.payload',
    context: 'x.context',
    from: 'json_to_recordset(CAST(? AS json)) AS x(id text, payload text, context text)',
  },
};

/** The statements of one jobs table, in the database's dialect. Parameters are positional. */
export function jobsStatements(t: string, dialect: SqlDialect) {
  // The worker's own claim: its lease owner and attempt number name it.
  const held = "id = ? AND state = 'active' AND lease_owner = ? AND attempts = ?";
  const due = (byQueue: boolean) =>
    `SELECT id FROM ${t} WHERE state = 'waiting' AND name = ? AND run_at <= ?${byQueue ? ' AND queue = ?' : ''} ` +
    `ORDER BY priority DESC, run_at LIMIT ?`;
  const claim = (byQueue: boolean) =>
    `UPDATE ${t} SET state = 'active', lease_owner = ?, lease_until = ?, attempts = attempts + 1, started_at = ? ` +
    `WHERE id IN (${due(byQueue)}${claimLock[dialect]}) RETURNING ${claimedColumns}`;
  return {
    insert:
      `INSERT INTO ${t} (id, queue, name, state, payload, priority, run_at, attempts, max_attempts, backoff, ` +
      `timeout_ms, dedupe_key, tick_key, context, created_at, trace_context) ` +
      "VALUES (?, ?, ?, 'waiting', ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?) " +
      'ON CONFLICT DO NOTHING',
    /** New jobs at once, their own fields (id, payload, context) one JSON array; no key, so no conflict. */
    insertMany:
      `INSERT INTO ${t} (id, queue, name, state, payload, priority, run_at, attempts, max_attempts, backoff, ` +
      `timeout_ms, context, created_at, trace_context) SELECT ${jsonRows[dialect].fields}, ?, ?, 'waiting', ` +
      `${jsonRows[dialect].payload}, CAST(? AS INTEGER), CAST(? AS BIGINT), 0, CAST(? AS INTEGER), ?, CAST(? AS BIGINT), ` +
      `${jsonRows[dialect].context}, CAST(? AS BIGINT), CAST(? AS TEXT) FROM ${jsonRows[dialect].from}`,
    byTick: `SELECT id FROM ${t} WHERE tick_key = ?`,
    liveByKey: `SELECT id FROM ${t} WHERE name = ? AND dedupe_key = ? AND state IN ('waiting', 'active')`,
    /** An idle poll only reads: on SQLite a claim would take the write lock even when nothing is due. */
    anyDue: `SELECT 1 FROM ${t} WHERE state = 'waiting' AND name = ? AND run_at <= ? LIMIT 1`,
    claim: claim(false),
    claimInQueue: claim(true),
    heartbeat: `UPDATE ${t} SET lease_until = ? WHERE state = 'active' AND lease_owner = ? RETURNING id, attempts`,
    complete: `UPDATE ${t} SET state = 'completed', result = ?, finished_at = ?, lease_until = NULL WHERE ${held}`,
    retry: `UPDATE ${t} SET state = 'waiting', run_at = ?, error = ?, lease_until = NULL WHERE ${held}`,
    dead: `UPDATE ${t} SET state = 'dead', error = ?, finished_at = ?, lease_until = NULL WHERE ${held}`,
    /** Handed back unfinished (shutdown): the attempt does not count. */
    release: `UPDATE ${t} SET state = 'waiting', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL WHERE ${held}`,
    progress: `UPDATE ${t} SET progress = ? WHERE ${held}`,
    /** Leases nobody renewed: the job's last attempt is over, the job dead… */
    buryExpired:
      `UPDATE ${t} SET state = 'dead', error = ?, finished_at = ?, lease_until = NULL ` +
      `WHERE state = 'active' AND lease_until < ? AND attempts >= max_attempts`,
    /** …or due again at once. */
    reviveExpired: `UPDATE ${t} SET state = 'waiting', run_at = ?, error = ?, lease_until = NULL WHERE state = 'active' AND lease_until < ?`,
    cancel:
      `UPDATE ${t} SET state = 'cancelled', finished_at = ?, lease_until = NULL ` +
      `WHERE id = ? AND state IN ('waiting', 'active')`,
    requeue:
      `UPDATE ${t} SET state = 'waiting', attempts = 0, run_at = ?, result = NULL, progress = NULL, ` +
      `lease_owner = NULL, finished_at = NULL WHERE id = ? AND state IN ('dead', 'cancelled')`,
    stateOf: `SELECT state FROM ${t} WHERE id = ?`,
    status: `SELECT ${jobColumns} FROM ${t} WHERE id = ?`,
    purge:
      `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE state = ? AND finished_at < ? ` +
      'ORDER BY finished_at LIMIT ?)',
    counts: `SELECT queue, state, COUNT(*) FROM ${t} GROUP BY queue, state`,
    schedule: `SELECT spec, next_at FROM ${t}_schedules WHERE name = ?`,
    addSchedule: `INSERT INTO ${t}_schedules (name, spec, next_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    respec: `UPDATE ${t}_schedules SET spec = ?, next_at = ?, updated_at = ? WHERE name = ? AND spec = ?`,
    /** Moves a schedule past the ticks it fires: one process wins each tick. */
    advance: `UPDATE ${t}_schedules SET next_at = ?, last_at = ?, updated_at = ? WHERE name = ? AND spec = ? AND next_at = ?`,
  };
}

export type JobsStatements = ReturnType<typeof jobsStatements>;
