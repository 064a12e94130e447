import type { SqlDialect } from '@keel/core';
import type { EventTables } from './event-store-schema.js';

/** The columns every read selects, in the order `rawEvent` reads them. */
export const eventColumns =
  'position, id, aggregate_id, stream_version, type, schema_version, data, metadata, occurred_at, bucket';

/** Rows per INSERT: 10 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535. */
export const insertChunk = 500;

/** The statements of the event table, in the database's dialect. */
export function eventStatements(t: EventTables, dialect: SqlDialect) {
  const e = t.events;
  return {
    /**
     * PostgreSQL only: publishers take turns from their first publish to their commit, so
     * positions become visible in the order they were handed out (see `sequenceLock`).
     */
    lock: dialect === 'postgres' ? 'SELECT pg_advisory_xact_lock(?)' : undefined,
    /** PostgreSQL only: waits until no publisher holds the lock (for the in-process wake-up). */
    awaitUnlocked: dialect === 'postgres' ? 'SELECT pg_advisory_xact_lock_shared(?)' : 'SELECT 1',
    currentVersions: (n: number) =>
      `SELECT aggregate_id, MAX(stream_version) FROM ${e} WHERE aggregate_id IN (${marks(n)}) GROUP BY aggregate_id`,
    currentVersion: `SELECT MAX(stream_version) FROM ${e} WHERE aggregate_id = ?`,
    insert: (n: number) =>
      `INSERT INTO ${e} (id, aggregate_id, stream_version, type, schema_version, data, metadata, occurred_at, bucket) VALUES ${Array.from(
        { length: n },
        () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).join(', ')} RETURNING id, position`,
    history: `SELECT ${eventColumns} FROM ${e} WHERE aggregate_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
    /** Events after a position, optionally of some types (a `typeFilter`) and from a time. */
    after: (filter: TypeFilter | undefined, fromTime: boolean) =>
      `SELECT ${eventColumns} FROM ${e} WHERE position > ?${fromTime ? ' AND occurred_at >= ?' : ''}${
        filter ? ` AND (${filter.sql})` : ''
      } ORDER BY position LIMIT ?`,
    maxPosition: `SELECT COALESCE(MAX(position), 0) FROM ${e}`,
    /** One partition's events after its checkpoint. */
    partition: `SELECT ${eventColumns} FROM ${e} WHERE position > ? AND bucket % ? = ? ORDER BY position LIMIT ?`,
  };
}

/** SQL matching event types against patterns, with its parameters. */
export interface TypeFilter {
  readonly sql: string;
  readonly params: readonly string[];
}

/**
 * `type = ?` for an exact name, a prefix comparison for `Order*` (case-sensitive on both
 * databases, unlike SQLite's LIKE), nothing for `*`.
 */
export function typeFilter(patterns: readonly string[]): TypeFilter | undefined {
  if (patterns.includes('*')) return undefined;
  const parts: string[] = [];
  const params: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('*')) {
      const prefix = p.slice(0, -1);
      parts.push(`substr(type, 1, ${prefix.length}) = ?`);
      params.push(prefix);
    } else {
      parts.push('type = ?');
      params.push(p);
    }
  }
  return { sql: parts.join(' OR '), params };
}

function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
