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
     * PostgreSQL only, first in every publish: a shared lock on the store (publishers never wait
     * for one another on it; it tells subscribers which transactions may still commit positions,
     * see `horizon.ts`) and the aggregates written, in key order, until the transaction ends (so
     * one aggregate's events are numbered, and positioned, one transaction after another).
     */
    begin:
      dialect === 'postgres'
        ? (n: number) => `SELECT pg_advisory_xact_lock_shared(?, ?)${', pg_advisory_xact_lock(?)'.repeat(n)}`
        : undefined,
    /** Finishes once the transactions holding these aggregate locks have ended (SQLite: once the open one has). */
    awaitEnded: (n: number) =>
      dialect === 'postgres' ? `SELECT 1${', pg_advisory_xact_lock_shared(?)'.repeat(n)}` : 'SELECT 1',
    /**
     * PostgreSQL only: the newest visible position, and the publishing transactions running
     * (holders of the store's shared lock), read after the statement's snapshot was taken.
     */
    horizon:
      dialect === 'postgres'
        ? `SELECT (SELECT COALESCE(MAX(position), 0) FROM ${e}), (SELECT string_agg(virtualtransaction, ',') FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ? AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`
        : undefined,
    currentVersions: (n: number) =>
      `SELECT aggregate_id, MAX(stream_version) FROM ${e} WHERE aggregate_id IN (${marks(n)}) GROUP BY aggregate_id`,
    insert: (n: number) =>
      `INSERT INTO ${e} (id, aggregate_id, stream_version, type, schema_version, data, metadata, occurred_at, bucket, trace_context) VALUES ${Array.from(
        { length: n },
        () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).join(', ')} RETURNING id, position`,
    history: `SELECT ${eventColumns} FROM ${e} WHERE aggregate_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?`,
    /** Events after a position, optionally of some types (a `typeFilter`) and from a time. */
    after: (filter: TypeFilter | undefined, fromTime: boolean) =>
      `SELECT ${eventColumns} FROM ${e} WHERE position > ?${fromTime ? ' AND occurred_at >= ?' : ''}${
        filter ? ` AND (${filter.sql})` : ''
      } ORDER BY position LIMIT ?`,
    maxPosition: `SELECT COALESCE(MAX(position), 0) FROM ${e}`,
    /** One partition's events after its checkpoint, up to the horizon, with their trace context. */
    partition: `SELECT ${eventColumns}, trace_context FROM ${e} WHERE position > ? AND position <= ? AND bucket % ? = ? ORDER BY position LIMIT ?`,
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
